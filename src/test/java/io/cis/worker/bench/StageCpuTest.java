package io.cis.worker.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
        CountDownLatch spun = new CountDownLatch(1);
        CountDownLatch measured = new CountDownLatch(1);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long[] ownCpu = new long[1];
        Thread busy = new Thread(() -> {
            // Spin until this thread has had 150 ms of CPU, however loaded the machine is.
            long x = 0;
            while (threads.getCurrentThreadCpuTime() < 150_000_000L) {
                x += System.nanoTime() % 7;
            }
            ownCpu[0] = threads.getCurrentThreadCpuTime();
            spun.countDown();
            try {
                measured.await(); // alive until the second snapshot
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (x == 42) {
                System.out.println(x);
            }
        }, "decode-99");
        busy.start();
        assertTrue(spun.await(120, TimeUnit.SECONDS));
        Map<Integer, StageCpu.ThreadTime> after = StageCpu.snapshot();
        measured.countDown();
        busy.join();
        double decode = StageCpu.between(before, after).get("decode+preprocess");
        // The kernel's figure for the thread, give or take what it spent between reading its own clock and parking.
        assertTrue(decode >= 0.15 && decode < ownCpu[0] / 1e9 + 0.05, "decode CPU seconds " + decode);
    }

    @Test
    void residentMemoryIsReported() {
        long[] memory = StageCpu.residentMemory();
        assertTrue(memory[0] >= memory[1] && memory[1] > 1_000_000, memory[0] + " " + memory[1]);
    }
}
