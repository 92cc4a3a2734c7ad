package io.cis.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.fault.RssSampler;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/**
 * The native buffers of the libjpeg-turbo path (the compressed copy, OpenCV's picture) are freed by every call,
 * on success and on failure: the process's resident set stays flat over 10,000 decodes. The Java heap and malloc's
 * arenas settle over the first few thousand (about +100 MB here, then flat), so the check is the growth over the
 * second half: a leak of either buffer would add at least 20 KB a decode, 100 MB there. What the JVM commits to the
 * Java heap in that half is not native memory and is taken out: G1 may still grow the heap that late, after the
 * tests before this one in the same JVM (a clean-clone run saw RSS jump 66 MB in one step near the 9,000th decode,
 * the shape of a heap expansion, not of a per-decode leak).
 */
class ScaledJpegDecoderMemoryTest {

    private static final int WARM_UP = 1_000;
    private static final int DECODES = 10_000;
    private static final long ALLOWED_SECOND_HALF_GROWTH_KB = 16 * 1024;

    @Test
    void residentMemoryStaysFlatOverTenThousandDecodes() throws Exception {
        List<byte[]> photos = new ArrayList<>();
        for (String name : new String[] {"rocket.jpg", "formats/chelsea-exif-rotated.jpg", "formats/camera-gray.jpg",
                "formats/astronaut-progressive.jpg"}) {
            photos.add(TestImages.sharedImage(name));
        }
        byte[] truncated = Arrays.copyOf(photos.get(0), photos.get(0).length / 2);
        int[] factors = {2, 4, 8};
        long pid = ProcessHandle.current().pid();
        MemoryMXBean jvmMemory = ManagementFactory.getMemoryMXBean();

        for (int i = 0; i < WARM_UP; i++) {
            decode(photos, truncated, factors, i);
        }
        long livePointers = Pointer.totalCount();
        long start = System.nanoTime();
        long halfway = 0;
        long heapHalfwayKb = 0;
        StringBuilder series = new StringBuilder().append(RssSampler.currentRssKb(pid) / 1024);
        for (int i = 0; i < DECODES; i++) {
            decode(photos, truncated, factors, i);
            if ((i + 1) % 1_000 == 0) {
                long rss = RssSampler.currentRssKb(pid);
                series.append(' ').append(rss / 1024);
                if (i + 1 == DECODES / 2) {
                    halfway = rss;
                    heapHalfwayKb = jvmMemory.getHeapMemoryUsage().getCommitted() / 1024;
                }
            }
        }
        long after = RssSampler.currentRssKb(pid);
        long heapGrowthKb = jvmMemory.getHeapMemoryUsage().getCommitted() / 1024 - heapHalfwayKb;
        System.out.printf("RSS over %d decodes (MB, every 1,000): %s; Java heap committed %+d MB in the second half; "
                + "%.2f ms a decode%n", DECODES, series, heapGrowthKb / 1024, (System.nanoTime() - start) / 1e6 / DECODES);
        // Freed by the call itself, not later by the garbage collector (which would also keep RSS bounded, higher).
        assertEquals(livePointers, Pointer.totalCount(), "native objects still held");
        long nativeGrowthKb = after - halfway - heapGrowthKb;
        assertTrue(nativeGrowthKb < ALLOWED_SECOND_HALF_GROWTH_KB, "RSS grew by " + (after - halfway) / 1024
                + " MB over the last " + DECODES / 2 + " decodes, " + nativeGrowthKb / 1024 + " MB of it outside the "
                + "Java heap: " + series);
    }

    /** Every 16th call a truncated JPEG, which OpenCV gives up on: that path must free its buffers too. */
    private static void decode(List<byte[]> photos, byte[] truncated, int[] factors, int i) {
        int factor = factors[i % factors.length];
        if (i % 16 == 15) {
            assertNull(ScaledJpegDecoder.decode(truncated, factor));
        } else {
            assertNotNull(ScaledJpegDecoder.decode(photos.get(i % photos.size()), factor));
        }
    }
}
