package io.cis.worker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.embed.ModelPrecision;
import io.cis.worker.image.Downscale;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ThroughputSettingsTest {

    private static WorkerConfig config(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        env.put("OPENSEARCH_ENDPOINT", "http://127.0.0.1:9200");
        return WorkerConfig.from(new RawSettings(Map.of(), env), WorkerConfig.Scope.INDEX_ONLY);
    }

    @Test
    void defaultsAreDctDecodingAutoPrecisionAndDjlsDefaultDevice() {
        WorkerConfig c = config(Map.of());
        assertEquals(Downscale.DCT, c.objects().downscale());
        assertEquals(ModelPrecision.AUTO, c.model().precision());
        assertEquals("auto", c.model().device());
    }

    @Test
    void precisionAndDeviceAreRead() {
        WorkerConfig c = config(Map.of("MODEL_PRECISION", "bf16", "DEVICE", "GPU(1)", "IMAGE_DOWNSCALE", "Reduce"));
        assertEquals(ModelPrecision.BF16, c.model().precision());
        assertEquals("bfloat16", c.model().precision().torchDtype());
        assertEquals("gpu(1)", c.model().device());
        assertEquals(Downscale.REDUCE, c.objects().downscale());
    }

    @Test
    void badValuesAreListed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> config(Map.of("MODEL_PRECISION", "fp16", "DEVICE", "tpu", "IMAGE_DOWNSCALE", "fast")));
        assertTrue(e.getMessage().contains("MODEL_PRECISION=fp16"), e.getMessage());
        assertTrue(e.getMessage().contains("DEVICE=tpu"), e.getMessage());
        assertTrue(e.getMessage().contains("IMAGE_DOWNSCALE=fast"), e.getMessage());
    }

    @Test
    void modelSha256ListsTheChecksumsOfEveryFileThatMayBeLoaded() {
        String fp32 = "a".repeat(64);
        String bf16 = "B".repeat(64);
        WorkerConfig c = config(Map.of("MODEL_SHA256", fp32 + ", " + bf16));
        assertEquals(java.util.List.of(fp32, "b".repeat(64)), c.model().sha256s());
        assertEquals(java.util.List.of(), config(Map.of()).model().sha256s());
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> config(Map.of("MODEL_SHA256", fp32 + ",abc")));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("MODEL_SHA256"), e.getMessage());
    }
}
