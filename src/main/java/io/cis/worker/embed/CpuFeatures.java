package io.cis.worker.embed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/** The CPU's feature flags as Linux lists them in /proc/cpuinfo (e.g. avx512f, amx_bf16); none elsewhere. */
public final class CpuFeatures {

    /** Intel AMX with bf16 tiles (Sapphire Rapids and later: EC2 c7i, m7i, r7i). */
    public static final String AMX_BF16 = "amx_bf16";
    /** AVX-512 bf16 dot products (Intel Cooper Lake and later, AMD Zen 4 and later: EC2 c7a, m7a). */
    public static final String AVX512_BF16 = "avx512_bf16";

    /**
     * The flags of the instructions that run bf16 matrix products natively, which is where libtorch's bf16 pays off
     * (the full-size ViT-B/32 at batch 8 on 2 cores of an AMD EPYC with avx512_bf16 and no AMX: 3.6x fp32; on an
     * Intel Xeon with AMX: about 4x). Without them bf16 is emulated and usually slower than fp32.
     */
    public static java.util.List<String> nativeBf16(Set<String> flags) {
        return java.util.stream.Stream.of(AMX_BF16, AVX512_BF16).filter(flags::contains).toList();
    }

    private CpuFeatures() {
    }

    public static Set<String> flags() {
        try {
            return flags(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException e) {
            return Set.of(); // not Linux
        }
    }

    /** The flags of the first processor listed. */
    static Set<String> flags(String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("flags")) {
                return Arrays.stream(line.substring(line.indexOf(':') + 1).strip().split("\\s+"))
                        .collect(Collectors.toUnmodifiableSet());
            }
        }
        return Set.of();
    }
}
