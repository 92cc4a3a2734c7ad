package io.cis.worker.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which file and precision MODEL_PRECISION, the CPU and the deployed exports lead to. */
class ModelChoiceTest {

    private static final Set<String> AMX = Set.of("avx512f", "amx_bf16", "amx_tile");
    private static final Set<String> AVX512_BF16 = Set.of("avx512f", "avx512_bf16");
    private static final Set<String> NO_BF16 = Set.of("avx2", "avx512f");

    @TempDir
    Path dir;
    private Path model;
    private Path bf16;

    @BeforeEach
    void fp32Export() throws Exception {
        model = dir.resolve("model.pt");
        bf16 = dir.resolve("model-bf16.pt");
        Files.writeString(model, "fp32 weights");
        Files.writeString(dir.resolve("model.json"), "{\"model_name\": \"m\", \"dtype\": \"float32\"}");
    }

    private void bf16ExportBeside() throws Exception {
        Files.writeString(bf16, "bf16 weights");
        Files.writeString(dir.resolve("model-bf16.json"), "{\"model_name\": \"m\", \"dtype\": \"bfloat16\"}");
    }

    @Test
    void theBf16ExportBelongsBesideTheModelFile() {
        assertEquals(dir.resolve("model-bf16.pt"), ModelChoice.bf16Export(dir.resolve("model.pt")));
        assertEquals(dir.resolve("clip-bf16"), ModelChoice.bf16Export(dir.resolve("clip")));
    }

    @Test
    void autoUsesTheBf16ExportWhenTheCpuHasAmx() throws Exception {
        bf16ExportBeside();
        ModelChoice choice = ModelChoice.choose(model, ModelPrecision.AUTO, AMX, List.of());
        assertEquals(bf16, choice.file());
        assertEquals(ModelPrecision.BF16, choice.precision());
        assertTrue(choice.reason().contains("amx_bf16"), choice.reason());
        assertFalse(choice.warn());
    }

    @Test
    void autoUsesTheBf16ExportWithAvx512Bf16Too() throws Exception {
        // Measured: full-size ViT-B/32 at batch 8 on an AMD EPYC with avx512_bf16 and no AMX, bf16 3.6x fp32.
        bf16ExportBeside();
        ModelChoice choice = ModelChoice.choose(model, ModelPrecision.AUTO, AVX512_BF16, List.of());
        assertEquals(bf16, choice.file());
        assertTrue(choice.reason().contains("avx512_bf16"), choice.reason());
    }

    @Test
    void autoKeepsToFp32WithoutNativeBf16EvenWithABf16Export() throws Exception {
        bf16ExportBeside();
        ModelChoice choice = ModelChoice.choose(model, ModelPrecision.AUTO, NO_BF16, "amd64", List.of());
        assertEquals(model, choice.file());
        assertEquals(ModelPrecision.FP32, choice.precision());
        assertTrue(choice.reason().contains("neither amx_bf16 nor avx512_bf16"), choice.reason());
        assertFalse(choice.warn());
    }

    @Test
    void autoUsesTheBf16ExportOnGraviton3AndLater() throws Exception {
        bf16ExportBeside();
        String graviton3 = "processor\t: 0\nBogoMIPS\t: 2100.00\n"
                + "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt fcma "
                + "lrcpc dcpop sha3 sm3 sm4 asimddp sha512 sve asimdfhm dit uscat ilrcpc flagm ssbs paca pacg dcpodp "
                + "svei8mm svebf16 i8mm bf16 dgh rng\nCPU implementer\t: 0x41\n";
        ModelChoice choice = ModelChoice.choose(model, ModelPrecision.AUTO, CpuFeatures.flags(graviton3, "aarch64"),
                "aarch64", List.of());
        assertEquals(bf16, choice.file());
        assertEquals(ModelPrecision.BF16, choice.precision());
        assertTrue(choice.reason().contains("this CPU has bf16"), choice.reason());
    }

    @Test
    void autoKeepsToFp32OnGraviton2() throws Exception {
        bf16ExportBeside();
        String graviton2 = "processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp "
                + "cpuid asimdrdm lrcpc dcpop asimddp ssbs\n";
        ModelChoice choice = ModelChoice.choose(model, ModelPrecision.AUTO, CpuFeatures.flags(graviton2, "aarch64"),
                "aarch64", List.of());
        assertEquals(model, choice.file());
        assertEquals(ModelPrecision.FP32, choice.precision());
        assertTrue(choice.reason().contains("no bf16 in the Features line"), choice.reason());
    }

    @Test
    void anArm64JvmUnderEmulationNeverTakesTheX86HostsFlags() throws Exception {
        // qemu-user on an AMX host: the emulated arm64 JVM reads the host's /proc/cpuinfo, whose x86 flags must not
        // turn bf16 on (they say nothing about the emulated CPU).
        bf16ExportBeside();
        String x86Host = "processor\t: 0\nflags\t\t: fpu sse2 avx512f avx512_bf16 amx_bf16 amx_tile\n";
        ModelChoice choice = ModelChoice.choose(model, ModelPrecision.AUTO, CpuFeatures.flags(x86Host, "aarch64"),
                "aarch64", List.of());
        assertEquals(ModelPrecision.FP32, choice.precision());
        assertEquals(model, choice.file());
    }

    @Test
    void autoFallsBackToFp32WithAWarningWhenThereIsNoBf16ExportToUse() {
        ModelChoice choice = ModelChoice.choose(model, ModelPrecision.AUTO, AMX, List.of());
        assertEquals(model, choice.file());
        assertEquals(ModelPrecision.FP32, choice.precision());
        assertTrue(choice.warn());
        assertTrue(choice.reason().contains("model-bf16.pt"), choice.reason());
    }

    @Test
    void autoNeverLoadsABf16ExportThatModelSha256DoesNotList() throws Exception {
        bf16ExportBeside();
        String fp32Sha = ClipModel.sha256(model);
        ModelChoice pinnedToFp32 = ModelChoice.choose(model, ModelPrecision.AUTO, AMX, List.of(fp32Sha));
        assertEquals(model, pinnedToFp32.file());
        assertTrue(pinnedToFp32.warn());
        assertTrue(pinnedToFp32.reason().contains("MODEL_SHA256"), pinnedToFp32.reason());

        ModelChoice bothListed = ModelChoice.choose(model, ModelPrecision.AUTO, AMX, List.of(fp32Sha, ClipModel.sha256(bf16)));
        assertEquals(bf16, bothListed.file());
    }

    @Test
    void aFileModelSha256DoesNotListIsRefused() {
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> ModelChoice.choose(model, ModelPrecision.FP32, NO_BF16, List.of("0".repeat(64))));
        assertTrue(e.getMessage().contains("MODEL_SHA256"), e.getMessage());
        assertThrows(ModelLoadException.class, () -> ModelChoice.choose(model, ModelPrecision.AUTO, NO_BF16, List.of("0".repeat(64))));
    }

    @Test
    void autoLoadsALoneBf16ExportWhateverTheCpu() throws Exception {
        Files.writeString(dir.resolve("model.json"), "{\"model_name\": \"m\", \"dtype\": \"bfloat16\"}");
        ModelChoice choice = ModelChoice.choose(model, ModelPrecision.AUTO, NO_BF16, List.of());
        assertEquals(model, choice.file());
        assertEquals(ModelPrecision.BF16, choice.precision());
        assertTrue(choice.warn());
    }

    @Test
    void fp32RefusesABf16ExportAsBefore() throws Exception {
        Files.writeString(dir.resolve("model.json"), "{\"model_name\": \"m\", \"dtype\": \"bfloat16\"}");
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> ModelChoice.choose(model, ModelPrecision.FP32, AMX, List.of()));
        assertTrue(e.getMessage().contains("MODEL_PRECISION"), e.getMessage());
    }

    @Test
    void fp32LoadsModelPathEvenWithAmx() throws Exception {
        bf16ExportBeside();
        ModelChoice choice = ModelChoice.choose(model, ModelPrecision.FP32, AMX, List.of());
        assertEquals(model, choice.file());
        assertEquals(ModelPrecision.FP32, choice.precision());
    }

    @Test
    void bf16LoadsTheExportBesideAndWarnsWithoutNativeBf16() throws Exception {
        bf16ExportBeside();
        ModelChoice withAmx = ModelChoice.choose(model, ModelPrecision.BF16, AMX, List.of());
        assertEquals(bf16, withAmx.file());
        assertFalse(withAmx.warn());
        ModelChoice withoutBf16 = ModelChoice.choose(model, ModelPrecision.BF16, NO_BF16, List.of());
        assertEquals(bf16, withoutBf16.file());
        assertEquals(ModelPrecision.BF16, withoutBf16.precision());
        assertTrue(withoutBf16.warn(), "allowed, but warned");
    }

    @Test
    void bf16LoadsModelPathWhenItIsABf16ExportOrRecordsNothing() throws Exception {
        Files.writeString(dir.resolve("model.json"), "{\"model_name\": \"m\", \"dtype\": \"bfloat16\"}");
        assertEquals(model, ModelChoice.choose(model, ModelPrecision.BF16, AMX, List.of()).file());
        Files.delete(dir.resolve("model.json"));
        assertEquals(model, ModelChoice.choose(model, ModelPrecision.BF16, AMX, List.of()).file(),
                "without a json the operator's word stands, as before");
    }

    @Test
    void bf16WithOnlyAnFp32ExportFails() {
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> ModelChoice.choose(model, ModelPrecision.BF16, AMX, List.of()));
        assertTrue(e.getMessage().contains("model-bf16.pt") && e.getMessage().contains("MODEL_PRECISION"), e.getMessage());
    }
}
