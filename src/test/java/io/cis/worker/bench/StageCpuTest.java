package io.cis.worker.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class StageCpuTest {

    @Test
    void threadsAreCountedByThePipelinesThreadNames() {
        assertEquals("receive", StageCpu.stageOf("sqs-poller-0"));
        assertEquals("receive", StageCpu.stageOf("sqs-settler"));
        assertEquals("fetch", StageCpu.stageOf("fetch-3"));
        assertEquals("cache", StageCpu.stageOf("cache-lookup"));
        assertEquals("decode+preprocess", StageCpu.stageOf("decode-1"));
        assertEquals("inference", StageCpu.stageOf("inference-0"));
        assertEquals("index", StageCpu.stageOf("index"));
        assertEquals("jvm (gc, jit)", StageCpu.stageOf("C2 CompilerThre"));
        assertEquals(StageCpu.OTHER, StageCpu.stageOf("main"));
    }

    @Test
    void aBusyThreadsCpuTimeLandsInItsStage() throws InterruptedException {
        Map<Integer, StageCpu.ThreadTime> before = StageCpu.snapshot();
        Thread busy = new Thread(() -> {
            long end = System.nanoTime() + 200_000_000L;
            long x = 0;
            while (System.nanoTime() < end) {
                x += System.nanoTime() % 7;
            }
            if (x == 42) {
                System.out.println(x);
            }
            try {
                Thread.sleep(300); // still alive when the second snapshot is taken
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "decode-99");
        busy.start();
        Thread.sleep(250);
        Map<Integer, StageCpu.ThreadTime> after = StageCpu.snapshot();
        busy.join();
        double decode = StageCpu.between(before, after).get("decode+preprocess");
        // 200 ms of spinning; on a loaded machine it may get less than all of it, but never none and never more.
        assertTrue(decode > 0.02 && decode < 0.3, "decode CPU seconds " + decode);
    }

    @Test
    void residentMemoryIsReported() {
        long[] memory = StageCpu.residentMemory();
        assertTrue(memory[0] >= memory[1] && memory[1] > 1_000_000, memory[0] + " " + memory[1]);
    }
}
