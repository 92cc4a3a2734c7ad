package io.cis.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packages of src/main depend on each other one way only: source -> event -> pipeline -> fetch / cache / image /
 * embed -> index, with config (which names the stages' enums), app, cli, backfill and bench on top and the small
 * shared types in core at the bottom.
 * Read from the source text (imports and fully qualified names outside comments), so no tool is needed.
 */
class PackageDependenciesTest {

    private static final Path MAIN = Path.of("src/main/java/io/cis/worker");
    private static final Pattern PACKAGE_REFERENCE = Pattern.compile("\\bio\\.cis\\.worker\\.([a-z][a-z0-9]*)\\.[A-Za-z]");
    private static final Pattern COMMENTS = Pattern.compile("(?s)/\\*.*?\\*/|//[^\\n]*");

    private static Map<String, Set<String>> graph;

    @BeforeAll
    static void readImportGraph() throws IOException {
        graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String pkg = packageOf(file);
                Set<String> uses = graph.computeIfAbsent(pkg, p -> new TreeSet<>());
                String code = COMMENTS.matcher(Files.readString(file, StandardCharsets.UTF_8)).replaceAll("");
                Matcher m = PACKAGE_REFERENCE.matcher(code.replaceFirst("package [^;]+;", ""));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        uses.add(m.group(1));
                    }
                }
            }
        }
    }

    private static String packageOf(Path file) {
        Path relative = MAIN.relativize(file.getParent());
        return relative.toString().isEmpty() ? "(root)" : relative.toString().replace('/', '.');
    }

    @Test
    void theGraphWasRead() {
        // Guards the other tests against passing on an empty graph (e.g. a wrong working directory).
        assertTrue(graph.keySet().containsAll(List.of("core", "source", "event", "pipeline", "index", "app", "cli")),
                graph::toString);
        assertTrue(graph.get("pipeline").contains("index"), graph::toString);
    }

    @Test
    void noPackageDependsOnItselfThroughOthers() {
        List<String> cycles = new ArrayList<>();
        for (String start : graph.keySet()) {
            findCycle(start, start, new ArrayList<>(List.of(start)), new TreeSet<>(), cycles);
        }
        assertEquals(List.of(), cycles, "package cycles in src/main (graph: " + graph + ")");
    }

    private static void findCycle(String start, String at, List<String> path, Set<String> seen, List<String> cycles) {
        for (String next : graph.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                cycles.add(String.join(" -> ", path) + " -> " + start);
            } else if (next.compareTo(start) > 0 && seen.add(next)) {
                // Only cycles whose smallest member is start are followed from start, so each is reported once.
                path.add(next);
                findCycle(start, next, path, seen, cycles);
                path.remove(path.size() - 1);
            }
        }
    }

    /**
     * The packages from the bottom up; each may use only those before it. The data flows source -> event ->
     * pipeline -> fetch / cache / image / embed -> index; core holds the small types they share (outcomes and reasons,
     * the batch collector, the health listener and receive gate); config reads settings into the stages' own types;
     * app composes everything, and the commands sit on top.
     */
    private static final List<String> LAYERS = List.of(
            "core", "ops", "event", "retry", "image", "embed", "fetch", "cache", "index", "pipeline", "source",
            "config", "app", "backfill", "bench", "cli", "(root)");

    @Test
    void everyPackageUsesOnlyThePackagesBelowIt() {
        assertEquals(new TreeSet<>(LAYERS), graph.keySet(), "a new package needs its place in LAYERS");
        List<String> upward = new ArrayList<>();
        graph.forEach((pkg, uses) -> uses.stream()
                .filter(used -> LAYERS.indexOf(used) >= LAYERS.indexOf(pkg))
                .forEach(used -> upward.add(pkg + " -> " + used)));
        assertEquals(List.of(), upward, "dependencies against the flow (layers, bottom up: " + LAYERS + ")");
    }

    @Test
    void coreDependsOnNoOtherPackage() {
        assertEquals(Set.of(), graph.get("core"));
    }

    @Test
    void theStagesDoNotReachUpToTheComposition() {
        for (String stage : List.of("source", "event", "pipeline", "fetch", "cache", "image", "embed", "index", "retry", "ops")) {
            Set<String> uses = graph.getOrDefault(stage, Set.of());
            for (String top : List.of("app", "cli", "backfill", "bench", "config")) {
                assertTrue(!uses.contains(top), stage + " uses " + top + ": " + uses);
            }
        }
    }
}
