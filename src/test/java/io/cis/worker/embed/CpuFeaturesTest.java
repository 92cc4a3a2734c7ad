package io.cis.worker.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class CpuFeaturesTest {

    @Test
    void flagsAreTheFirstProcessorsFlagsLine() {
        String cpuinfo = """
                processor\t: 0
                model name\t: Intel(R) Xeon(R) Platinum 8488C
                flags\t\t: fpu sse2 avx512f avx512_bf16 amx_bf16 amx_tile amx_int8
                processor\t: 1
                flags\t\t: fpu
                """;
        Set<String> flags = CpuFeatures.flags(cpuinfo, "amd64");
        assertTrue(flags.contains(CpuFeatures.AMX_BF16));
        assertTrue(flags.contains("avx512_bf16"));
        assertEquals(7, flags.size());
    }

    @Test
    void amxAndAvx512Bf16RunBf16Natively() {
        assertEquals(java.util.List.of("amx_bf16", "avx512_bf16"), CpuFeatures.nativeBf16(Set.of("avx512_bf16", "amx_bf16")));
        assertEquals(java.util.List.of("avx512_bf16"), CpuFeatures.nativeBf16(Set.of("avx512f", "avx512_bf16")));
        assertEquals(java.util.List.of(), CpuFeatures.nativeBf16(Set.of("avx2", "avx512f", "avx512_vnni")));
    }

    @Test
    void avx512Bf16IsNotAmx() {
        assertFalse(CpuFeatures.flags("flags\t: avx512f avx512_bf16\n", "amd64").contains(CpuFeatures.AMX_BF16));
        assertEquals(Set.of(), CpuFeatures.flags("processor : 0\n", "amd64"));
    }

    @Test
    void arm64ReadsTheFeaturesLineAndItsBf16() {
        String graviton3 = "processor\t: 0\nBogoMIPS\t: 2100.00\nFeatures\t: fp asimd sve svebf16 i8mm bf16 rng\n"
                + "processor\t: 1\nFeatures\t: fp\n";
        Set<String> flags = CpuFeatures.flags(graviton3, "aarch64");
        assertEquals(Set.of("fp", "asimd", "sve", "svebf16", "i8mm", "bf16", "rng"), flags);
        assertEquals(java.util.List.of("bf16"), CpuFeatures.nativeBf16(flags));
        assertEquals(java.util.List.of(), CpuFeatures.nativeBf16(CpuFeatures.flags("Features\t: fp asimd sve\n", "aarch64")));
    }

    @Test
    void eachArchitectureReadsOnlyItsOwnLine() {
        // qemu-user: an arm64 JVM on an x86 host reads the host's file, which has flags and no Features.
        String x86 = "processor\t: 0\nflags\t\t: fpu avx512_bf16 amx_bf16\n";
        assertEquals(Set.of(), CpuFeatures.flags(x86, "aarch64"));
        assertEquals(Set.of(), CpuFeatures.flags("Features\t: fp asimd bf16\n", "amd64"));
    }
}
