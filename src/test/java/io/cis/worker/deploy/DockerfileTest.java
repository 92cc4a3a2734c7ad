package io.cis.worker.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cis.worker.config.Settings;
import io.cis.worker.ops.HealthState;
import io.cis.worker.ops.MetricsServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What can be checked without building the image (ContainerImageIT builds and runs it with buildah): what it copies
 * exists, its jar path is Maven's output, its port and defaults are the code's, and its HEALTHCHECK command really
 * answers (run with bash against the worker's metrics server).
 */
class DockerfileTest {

    record Instruction(String keyword, String arguments) {
    }

    static List<Instruction> instructions() throws IOException {
        List<Instruction> result = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String line : Files.readAllLines(Path.of("Dockerfile"))) {
            if (pending.isEmpty() && (line.isBlank() || line.startsWith("#"))) {
                continue;
            }
            if (line.endsWith("\\")) {
                pending.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            String full = (pending + line).strip();
            pending.setLength(0);
            int space = full.indexOf(' ');
            result.add(new Instruction(full.substring(0, space), full.substring(space + 1).strip()));
        }
        return result;
    }

    static List<String> all(String keyword) throws IOException {
        return instructions().stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::arguments).toList();
    }

    /** ENV assignments (KEY=value, value possibly double-quoted), in order. */
    static Map<String, String> env() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String args : all("ENV")) {
            Matcher matcher = Pattern.compile("(\\w+)=(\"[^\"]*\"|\\S+)").matcher(args);
            while (matcher.find()) {
                env.put(matcher.group(1), matcher.group(2).replaceAll("^\"|\"$", ""));
            }
        }
        return env;
    }

    @Test
    void buildsWithMavenAndRunsOnAJreAsANonRootUser() throws IOException {
        List<String> from = all("FROM");
        assertEquals(2, from.size(), from.toString());
        // The build stage runs on the builder's platform and picks the target's natives (TARGETARCH).
        assertEquals("--platform=$BUILDPLATFORM maven:3-eclipse-temurin-17 AS build", from.get(0));
        assertEquals("eclipse-temurin:17-jre", from.get(1));
        List<String> users = all("USER");
        assertEquals(List.of("cis-worker"), users);
    }

    /** The build stage's choice of Maven profile for a TARGETARCH: its output, or null when it refuses. */
    private static String profileFor(String targetArch, Path dir) throws IOException, InterruptedException {
        String choose = all("RUN").stream().filter(r -> r.contains("TARGETARCH")).findFirst().orElseThrow()
                .replace("/build/profile", dir.resolve("profile").toString());
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", choose).redirectErrorStream(true);
        builder.environment().put("TARGETARCH", targetArch);
        Process process = builder.start();
        process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS));
        return process.exitValue() == 0 ? Files.readString(dir.resolve("profile")).strip() : null;
    }

    @Test
    void buildsTheJarOfTheTargetArchitecture(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertEquals("", profileFor("amd64", dir));
        assertEquals("-Plinux-aarch64", profileFor("arm64", dir));
        assertEquals(null, profileFor("s390x", dir), "no natives for s390x: the build stops");
        String packageStep = all("RUN").stream().filter(r -> r.contains(" package ")).findFirst().orElseThrow();
        assertTrue(packageStep.contains("$(cat /build/profile)"), packageStep);
        // The -Plinux-aarch64 jar's name (pom.xml's profile) becomes the one name the runtime stage copies.
        assertTrue(packageStep.contains("mv target/cis-worker-linux-aarch64.jar target/" + pomFinalName() + ".jar"),
                packageStep);
        assertTrue(Files.readString(Path.of("pom.xml")).contains("<finalName>cis-worker-linux-aarch64</finalName>"));
    }

    @Test
    void everythingItCopiesExists() throws IOException {
        String finalName = pomFinalName();
        for (String copy : all("COPY")) {
            String[] words = copy.split("\\s+");
            if (words[0].equals("--from=build")) {
                // Maven's output inside the build stage (WORKDIR /build): target/<finalName>.jar.
                assertEquals("/build/target/" + finalName + ".jar", words[1]);
                assertEquals(InstallLayout.JAR, words[2]);
            } else {
                for (int i = 0; i < words.length - 1; i++) {
                    assertTrue(Files.exists(Path.of(words[i])), "COPY source missing from the repository: " + words[i]);
                }
            }
        }
        assertEquals(List.of("/build"), all("WORKDIR").subList(0, 1));
        List<String> ignored = Files.readAllLines(Path.of(".dockerignore"));
        assertTrue(ignored.contains("*") && ignored.contains("!pom.xml") && ignored.contains("!src/"),
                "the build context is pom.xml and src/ only (no target/, no .local/ stack state)");
    }

    @Test
    void runsTheJarWithTheUnitsFlagsAndTheCodesDefaults() throws IOException {
        List<String> entrypoint = new ObjectMapper().readerForListOf(String.class).readValue(all("ENTRYPOINT").get(0));
        assertEquals("sh", entrypoint.get(0));
        assertEquals("exec java $JAVA_OPTS " + SystemdUnitTest.JAVA_FLAGS + " -jar " + InstallLayout.JAR + " \"$@\"",
                entrypoint.get(2));

        Map<String, String> env = env();
        assertEquals(Settings.JAVA_OPTS.defaultValue(), env.get("JAVA_OPTS"));
        assertEquals(Settings.MODEL_PATH.defaultValue(), env.get("MODEL_PATH"));
        assertEquals(SystemdUnit.read().environment().get("DJL_CACHE_DIR"), env.get("DJL_CACHE_DIR"));
        assertEquals(SystemdUnit.read().environment().get("OPENBLAS_NUM_THREADS"), env.get("OPENBLAS_NUM_THREADS"));
        assertEquals(Settings.METRICS_PORT.defaultValue(), env.get("METRICS_PORT"));
        assertEquals(List.of(Settings.METRICS_PORT.defaultValue()), all("EXPOSE"));
        assertEquals(List.of("[\"" + Path.of(Settings.MODEL_PATH.defaultValue()).getParent() + "\"]"), all("VOLUME"));
    }

    @Test
    void theHealthcheckCommandAnswersFromTheWorkersLivenessEndpoint() throws Exception {
        String healthcheck = all("HEALTHCHECK").get(0);
        assertTrue(healthcheck.contains("CMD ["), healthcheck);
        List<String> command = new ObjectMapper().readerForListOf(String.class)
                .readValue(healthcheck.substring(healthcheck.indexOf("CMD ") + 4));
        assertEquals("bash", command.get(0));
        assertTrue(command.get(2).contains("/health/live"), command.toString());

        HealthState health = new HealthState(); // liveness does not wait for readiness
        int port;
        try (MetricsServer server = new MetricsServer("127.0.0.1", 0,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), health)) {
            port = server.port();
            assertEquals(0, runHealthcheck(command, port), "healthy worker reported unhealthy");
        }
        assertNotEquals(0, runHealthcheck(command, port), "a stopped worker must be reported unhealthy");
    }

    private static int runHealthcheck(List<String> command, int port) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("METRICS_PORT", Integer.toString(port));
        Process process = builder.start();
        process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), "healthcheck hung");
        return process.exitValue();
    }

    static String pomFinalName() throws IOException {
        Matcher m = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(Files.readString(Path.of("pom.xml")));
        assertTrue(m.find(), "pom.xml sets build.finalName");
        return m.group(1);
    }
}
