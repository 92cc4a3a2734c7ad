package io.cis.worker.embed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/** The CPU's feature flags as Linux lists them in /proc/cpuinfo (e.g. avx512f, amx_bf16); none elsewhere. */
public final class CpuFeatures {

    /** Intel AMX with bf16 tiles (Sapphire Rapids and later: EC2 c7i, m7i, r7i): where bf16 inference pays off. */
    public static final String AMX_BF16 = "amx_bf16";

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
