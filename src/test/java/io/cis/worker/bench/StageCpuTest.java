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
        java.util.concurrent.CountDownLatch spun = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch measured = new java.util.concurrent.CountDownLatch(1);
        Thread busy = new Thread(() -> {
            // Spin until this thread itself has used 100 ms of CPU, however loaded the machine is.
            var threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long x = 0;
            while (threads.getCurrentThreadCpuTime() < 100_000_000L) {
                x += System.nanoTime() % 7;
            }
            if (x == 42) {
                System.out.println(x);
            }
            spun.countDown();
            try {
                measured.await(); // still alive when the second snapshot is taken
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "decode-99");
        busy.start();
        assertTrue(spun.await(60, java.util.concurrent.TimeUnit.SECONDS), "the busy thread never got its CPU time");
        Map<Integer, StageCpu.ThreadTime> after = StageCpu.snapshot();
        measured.countDown();
        busy.join();
        double decode = StageCpu.between(before, after).get("decode+preprocess");
        // At least the 100 ms it spun (kernel accounting is in clock ticks, hence the slack), and not wildly more.
        assertTrue(decode >= 0.08 && decode < 5, "decode CPU seconds " + decode);
    }

    @Test
    void residentMemoryIsReported() {
        long[] memory = StageCpu.residentMemory();
        assertTrue(memory[0] >= memory[1] && memory[1] > 1_000_000, memory[0] + " " + memory[1]);
    }
}
