package io.cis.worker.embed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The CPU's feature flags as Linux lists them in /proc/cpuinfo: the {@code flags} line on x86 (avx512f, amx_bf16),
 * the {@code Features} line on arm64 (asimd, sve, bf16); none elsewhere. Which line is read follows the JVM's os.arch,
 * never the file: under qemu-user emulation of arm64 on an x86 host, /proc/cpuinfo is the host's, and its x86 flags
 * say nothing about the emulated CPU (so an arm64 JVM there sees no flags at all, and runs fp32).
 */
public final class CpuFeatures {

    /** Intel AMX with bf16 tiles (Sapphire Rapids and later: EC2 c7i, m7i, r7i). */
    public static final String AMX_BF16 = "amx_bf16";
    /** AVX-512 bf16 dot products (Intel Cooper Lake and later, AMD Zen 4 and later: EC2 c7a, m7a). */
    public static final String AVX512_BF16 = "avx512_bf16";

    /**
     * Arm's BF16 extension (Armv8.6: BFDOT, BFMMLA), which Graviton3 and later have (EC2 c7g, m7g, r7g, c8g) and
     * Graviton2 (c6g) has not; libtorch's aarch64 build runs bf16 matrix products with it through oneDNN and the Arm
     * Compute Library.
     */
    public static final String ARM_BF16 = "bf16";

    /**
     * The flags of the instructions that run bf16 matrix products natively, which is where libtorch's bf16 pays off
     * (the full-size ViT-B/32 at batch 8 on 2 cores of an AMD EPYC with avx512_bf16 and no AMX: 3.6x fp32; on an
     * Intel Xeon with AMX: about 4x; on Graviton not measured). Without them bf16 is emulated and usually slower
     * than fp32. The set must come from {@link #flags(String, String)}: x86's flags never include a plain bf16.
     */
    public static java.util.List<String> nativeBf16(Set<String> flags) {
        return java.util.stream.Stream.of(AMX_BF16, AVX512_BF16, ARM_BF16).filter(flags::contains).toList();
    }

    /** Whether a JVM's os.arch is 64-bit Arm. */
    public static boolean isArm64(String osArch) {
        return "aarch64".equals(osArch) || "arm64".equals(osArch);
    }

    /** What a CPU of this os.arch lacks when {@link #nativeBf16} is empty, for the start-up log. */
    public static String noNativeBf16(String osArch) {
        return isArm64(osArch)
                ? "this CPU has no " + ARM_BF16 + " in the Features line of /proc/cpuinfo (Graviton3 and later have it)"
                : "this CPU has neither " + AMX_BF16 + " nor " + AVX512_BF16 + " (/proc/cpuinfo)";
    }

    private CpuFeatures() {
    }

    /** This CPU's flags, as this JVM's os.arch names them. */
    public static Set<String> flags() {
        try {
            return flags(Files.readString(Path.of("/proc/cpuinfo")), System.getProperty("os.arch"));
        } catch (IOException e) {
            return Set.of(); // not Linux
        }
    }

    /** The flags of the first processor listed, from the line that os.arch's kernel writes them to. */
    static Set<String> flags(String cpuinfo, String osArch) {
        String key = isArm64(osArch) ? "Features" : "flags";
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith(key) && line.substring(key.length()).strip().startsWith(":")) {
                return Arrays.stream(line.substring(line.indexOf(':') + 1).strip().split("\\s+"))
                        .collect(Collectors.toUnmodifiableSet());
            }
        }
        return Set.of();
    }
}
