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
        Set<String> flags = CpuFeatures.flags(cpuinfo);
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
        assertFalse(CpuFeatures.flags("flags\t: avx512f avx512_bf16\n").contains(CpuFeatures.AMX_BF16));
        assertEquals(Set.of(), CpuFeatures.flags("processor : 0\n"));
    }
}
