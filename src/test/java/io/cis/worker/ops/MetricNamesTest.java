package io.cis.worker.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;
import io.cis.worker.event.NotificationParser;
import io.cis.worker.pipeline.OutcomeLog;
import io.cis.worker.pipeline.Pipeline;
import io.cis.worker.source.DeadLetterWatch;
import io.cis.worker.source.InFlightRegistry;
import io.cis.worker.source.VisibilityHeartbeat;
import io.cis.worker.source.QueueMessageHandler;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every meter the worker registers is named in {@link MetricNames}, and the item counters exist from the start. */
class MetricNamesTest {

    private static Set<String> meterNames() {
        return Arrays.stream(MetricNames.class.getFields())
                .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == String.class
                        && !f.getName().startsWith("TAG_"))
                .map(MetricNamesTest::value)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static String value(Field field) {
        try {
            return (String) field.get(null);
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theComponentsRegisterOnlyNamedMetersAndEveryItemCounterUpFront() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        OutcomeCounters items = new OutcomeCounters(registry);
        OutcomeLog outcomes = new OutcomeLog(items, registry, Clock.systemUTC());
        try (Pipeline pipeline = new Pipeline(null, null, null, () -> null, null, outcomes,
                new Pipeline.Limits(1, 1, 1, 1, 1, Duration.ofMillis(1), 1), registry, Clock.systemUTC())) {
            new QueueMessageHandler(new NotificationParser(), null, null, items, registry);
            new DeadLetterWatch(3, registry);
            new VisibilityHeartbeat(new InFlightRegistry(1), null, Clock.systemUTC(), 30, 0.5, Duration.ofHours(1), registry);

            Set<String> named = meterNames();
            // Percentiles and histogram buckets are published by Micrometer as meters of their own, named after theirs.
            List<String> unnamed = registry.getMeters().stream().map(m -> m.getId().getName())
                    .map(name -> name.replaceFirst("\\.(percentile|histogram)$", ""))
                    .filter(name -> !named.contains(name)).distinct().toList();
            assertEquals(List.of(), unnamed, "meters registered under names that are not in MetricNames");
            assertTrue(registry.find(MetricNames.PIPELINE_ITEMS_INSIDE).gauge() != null);
        }
        long itemCounters = registry.find(MetricNames.ITEMS).counters().size();
        long pairs = Arrays.stream(Reason.values()).mapToLong(r -> r.kinds().size()).sum();
        assertEquals(pairs, itemCounters, "one cis.items counter per outcome kind and reason");
        Meter notFound = registry.find(MetricNames.ITEMS).tag(MetricNames.TAG_OUTCOME, "failed_permanent")
                .tag(MetricNames.TAG_REASON, "object_not_found").counter();
        assertTrue(notFound != null, "cis.items{outcome=failed_permanent,reason=object_not_found} exists at zero");
        assertEquals("skipped", OutcomeCounters.tagValue(Outcome.Kind.SKIPPED));
    }

    /** Catches a meter registered under a string literal anywhere in src/main, e.g. a new gauge in a class not built above. */
    @Test
    void noMeterIsRegisteredUnderALiteralName() throws IOException {
        Pattern literalName = Pattern.compile(
                "(?:\\.counter|\\.gauge|\\.timer|\\.summary|Counter\\.builder|Gauge\\.builder|Timer\\.builder"
                        + "|DistributionSummary\\.builder|FunctionCounter\\.builder)\\(\\s*\"([^\"]*)\"");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = literalName.matcher(Files.readString(file, StandardCharsets.UTF_8));
                while (m.find()) {
                    found.add(file.getFileName() + ": \"" + m.group(1) + "\"");
                }
            }
        }
        assertEquals(List.of(), found, "name meters with a MetricNames constant");
    }
}
