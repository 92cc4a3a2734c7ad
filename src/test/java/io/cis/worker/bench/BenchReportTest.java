package io.cis.worker.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class BenchReportTest {

    private static final String README = "# x\n\n<!-- section: benchmark -->\ntext\n" + BenchReport.TABLE_BEGIN + "\n"
            + BenchReport.TABLE_END + "\nmore text\n<!-- /section: benchmark -->\n";

    private static final String ROW_A = "| 2 cores Xeon | m (float32) | 8 | 1 x 2 / 2 | exact | 24.0 | 12.0 | 50% | 80.0 | 1.2 GB | 300 ms | 2025-01-01 |";
    private static final String ROW_A2 = "| 2 cores Xeon | m (float32) | 8 | 1 x 2 / 2 | exact | 25.0 | 13.0 | 52% | 81.0 | 1.3 GB | 310 ms | 2025-01-02 |";
    private static final String ROW_B = "| 2 cores Xeon | m (bfloat16) | 8 | 1 x 2 / 2 | exact | 60.0 | 20.0 | 33% | 80.0 | 1.0 GB | 200 ms | 2025-01-02 |";

    @Test
    void theFirstRowGetsAHeader() {
        String updated = BenchReport.withRow(README, ROW_A);
        assertTrue(updated.contains(BenchReport.TABLE_BEGIN + "\n" + BenchReport.TABLE_HEADER + "\n" + BenchReport.TABLE_RULE
                + "\n" + ROW_A + "\n" + BenchReport.TABLE_END), updated);
        assertTrue(updated.startsWith("# x\n\n<!-- section: benchmark -->\ntext\n"));
        assertTrue(updated.endsWith("more text\n<!-- /section: benchmark -->\n"));
    }

    @Test
    void aRerunOfTheSameConfigurationReplacesItsRowAndKeepsTheOthers() {
        String updated = BenchReport.withRow(BenchReport.withRow(BenchReport.withRow(README, ROW_A), ROW_B), ROW_A2);
        String table = updated.substring(updated.indexOf(BenchReport.TABLE_BEGIN), updated.indexOf(BenchReport.TABLE_END));
        assertEquals(1, count(table, BenchReport.TABLE_HEADER));
        assertTrue(table.contains(ROW_B));
        assertTrue(table.contains(ROW_A2));
        assertTrue(!table.contains(ROW_A), table);
    }

    @Test
    void aReadmeWithoutMarkersIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> BenchReport.withRow("# no markers\n", ROW_A));
    }

    @Test
    void theRowKeyIsMachineModelBatchThreadsAndDownscale() {
        assertEquals(BenchReport.rowKey(ROW_A), BenchReport.rowKey(ROW_A2));
        assertEquals("2 cores Xeon|m (float32)|8|1 x 2 / 2|exact", BenchReport.rowKey(ROW_A));
        assertTrue(!BenchReport.rowKey(ROW_A).equals(BenchReport.rowKey(ROW_A.replace("| exact |", "| reduce |"))));
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void theProfileSplitsEachStagesThreadCpuTimeByItsShareOfTheStagesSamples() {
        // 100 images: 2 s of decode CPU and 4 s of inference by the threads' own accounting.
        PhaseResult cold = new PhaseResult("cold", 100, 100, 0, 0, 0, 10, 0, List.of(), -1, -1,
                Map.of("decode+preprocess", 2.0, "inference", 4.0), Map.of(), 0, Map.of(), 0,
                List.of());
        String decode = "[decode-0 tid=1];java/lang/Thread.run;io/cis/worker/image/";
        // The sampler saw only part of inference (one of its threads): its time still comes from the accounting.
        ProfileBreakdown breakdown = ProfileBreakdown.of(decode + "ScaledJpegDecoder.decode 30\n"
                + decode + "NativePngDecoder.decode 10\n[inference-0 tid=2];libtorch_cpu.so 5\n");

        var millis = BenchReport.profileMillisPerImage(breakdown, cold);

        assertEquals(15.0, millis.get("decode+preprocess: JPEG decode (libjpeg-turbo)"), 1e-9);
        assertEquals(5.0, millis.get("decode+preprocess: PNG decode (zlib, row filters)"), 1e-9);
        assertEquals(40.0, millis.get("inference"), 1e-9);
        assertEquals(3, millis.size());
    }
}
