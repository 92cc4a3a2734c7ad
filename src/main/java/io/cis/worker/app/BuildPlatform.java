package io.cis.worker.app;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The platform the jar's natives (libtorch, OpenCV through JavaCPP) were built for, as the build recorded it in the
 * manifest ({@code Cis-Worker-Platform}: linux-x86_64 by default, linux-aarch64 from {@code -Plinux-aarch64}), and
 * whether this JVM can load them. Checked first thing in Main: on the wrong CPU the natives would otherwise fail only
 * when the model loads, as an UnsatisfiedLinkError from deep inside DJL or JavaCPP that does not say what is wrong.
 */
public final class BuildPlatform {

    /** The manifest attribute the shade plugin writes (pom.xml, cis.platform). */
    public static final String MANIFEST_ATTRIBUTE = "Cis-Worker-Platform";

    /** How each platform's jar is built. */
    private static final java.util.Map<String, String> BUILDS = java.util.Map.of(
            "linux-x86_64", "target/cis-worker.jar from: mvn -B -DskipTests package",
            "linux-aarch64", "target/cis-worker-linux-aarch64.jar from: mvn -B -DskipTests package -Plinux-aarch64");

    private BuildPlatform() {
    }

    /**
     * The platform a JVM's os.name and os.arch run natives of, in the build's naming; empty for any other
     * (macOS, Windows, 32-bit): the jar has no natives for those at all.
     */
    public static Optional<String> ofJvm(String osName, String osArch) {
        if (!osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return Optional.empty();
        }
        return switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> Optional.of("linux-x86_64");
            case "aarch64", "arm64" -> Optional.of("linux-aarch64");
            default -> Optional.empty();
        };
    }

    /**
     * Why natives built for {@code builtFor} cannot run on this JVM, or empty when they can (or when nothing was
     * recorded: running from classes, as tests and IDEs do, where the classpath's natives are the build machine's).
     */
    public static Optional<String> mismatch(Optional<String> builtFor, String osName, String osArch) {
        if (builtFor.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> here = ofJvm(osName, osArch);
        if (here.isPresent() && here.get().equals(builtFor.get())) {
            return Optional.empty();
        }
        String jvm = osName + " " + osArch;
        return Optional.of(here.map(platform -> "this jar was built for " + builtFor.get() + " but this JVM runs on "
                        + jvm + " (" + platform + "): install the " + platform + " jar, " + BUILDS.get(platform))
                .orElse("this jar was built for " + builtFor.get() + " but this JVM runs on " + jvm
                        + ", for which there is no build (linux-x86_64 and linux-aarch64 only)"));
    }

    /** The platform recorded in the manifest of the jar this class was loaded from, if it was loaded from a jar. */
    public static Optional<String> recorded() {
        try {
            Path location = Path.of(BuildPlatform.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isRegularFile(location)) {
                return Optional.empty();
            }
            try (JarFile jar = new JarFile(location.toFile())) {
                Manifest manifest = jar.getManifest();
                return manifest == null ? Optional.empty()
                        : Optional.ofNullable(manifest.getMainAttributes().getValue(MANIFEST_ATTRIBUTE));
            }
        } catch (IOException | URISyntaxException | SecurityException | NullPointerException e) {
            return Optional.empty(); // no readable jar: nothing recorded to hold the JVM to
        }
    }
}
