package io.cis.worker.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The platform check Main runs before anything loads a native library. */
class BuildPlatformTest {

    @Test
    void jvmArchitecturesMapToTheBuildsPlatforms() {
        assertEquals(Optional.of("linux-x86_64"), BuildPlatform.ofJvm("Linux", "amd64"));
        assertEquals(Optional.of("linux-aarch64"), BuildPlatform.ofJvm("Linux", "aarch64"));
        assertEquals(Optional.empty(), BuildPlatform.ofJvm("Mac OS X", "aarch64"));
        assertEquals(Optional.empty(), BuildPlatform.ofJvm("Linux", "riscv64"));
    }

    @Test
    void theMatchingJarStarts() {
        assertEquals(Optional.empty(), BuildPlatform.mismatch(Optional.of("linux-x86_64"), "Linux", "amd64"));
        assertEquals(Optional.empty(), BuildPlatform.mismatch(Optional.of("linux-aarch64"), "Linux", "aarch64"));
    }

    @Test
    void theX86JarOnGravitonNamesBothPlatformsAndTheBuildToUse() {
        String why = BuildPlatform.mismatch(Optional.of("linux-x86_64"), "Linux", "aarch64").orElseThrow();
        assertTrue(why.startsWith("this jar was built for linux-x86_64 but this JVM runs on Linux aarch64 (linux-aarch64)"), why);
        assertTrue(why.contains("-Plinux-aarch64"), why);
    }

    @Test
    void theArm64JarOnX86NamesBothPlatforms() {
        String why = BuildPlatform.mismatch(Optional.of("linux-aarch64"), "Linux", "amd64").orElseThrow();
        assertTrue(why.contains("built for linux-aarch64") && why.contains("amd64 (linux-x86_64)"), why);
        assertTrue(why.contains("target/cis-worker.jar"), why);
    }

    @Test
    void aPlatformWithoutABuildIsSaidSo() {
        String why = BuildPlatform.mismatch(Optional.of("linux-x86_64"), "Mac OS X", "aarch64").orElseThrow();
        assertTrue(why.contains("no build"), why);
    }

    @Test
    void classesWithoutARecordedPlatformAreNotHeldToOne() {
        // Tests and IDEs run from target/classes, whose classpath carries the build machine's natives.
        assertEquals(Optional.empty(), BuildPlatform.recorded());
        assertEquals(Optional.empty(), BuildPlatform.mismatch(Optional.empty(), "Linux", "riscv64"));
    }
}
