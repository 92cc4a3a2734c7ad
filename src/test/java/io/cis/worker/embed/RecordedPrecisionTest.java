package io.cis.worker.embed;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MODEL_PRECISION states what the deployed file is; model.json says what it was exported as. */
class RecordedPrecisionTest {

    @TempDir
    Path dir;

    @Test
    void aBf16ExportIsRefusedWhenFp32IsExpectedAndAcceptedWhenBf16Is() throws Exception {
        Path model = dir.resolve("model.pt");
        Files.writeString(model, "not read");
        Files.writeString(dir.resolve("model.json"), "{\"model_name\": \"m\", \"dtype\": \"bfloat16\"}");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ClipModel.checkRecordedPrecision(model, "float32"));
        assertTrue(e.getMessage().contains("bfloat16") && e.getMessage().contains("MODEL_PRECISION"), e.getMessage());
        assertDoesNotThrow(() -> ClipModel.checkRecordedPrecision(model, "bfloat16"));
    }

    @Test
    void withoutModelJsonThereIsNothingToCheck() throws Exception {
        Path model = dir.resolve("model.pt");
        Files.writeString(model, "not read");
        assertDoesNotThrow(() -> ClipModel.checkRecordedPrecision(model, "bfloat16"));
    }

    @Test
    void anExportWithoutADtypeIsFp32() throws Exception {
        Path model = dir.resolve("model.pt");
        Files.writeString(model, "not read");
        Files.writeString(dir.resolve("model.json"), "{\"model_name\": \"m\"}");
        assertDoesNotThrow(() -> ClipModel.checkRecordedPrecision(model, "float32"));
        assertThrows(ModelLoadException.class, () -> ClipModel.checkRecordedPrecision(model, "bfloat16"));
    }
}
