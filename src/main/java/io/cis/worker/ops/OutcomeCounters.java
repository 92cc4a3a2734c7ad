package io.cis.worker.ops;

import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code cis.items} counters, one per outcome kind and reason that can come with it, registered once up front
 * (a bounded set, and no registry look-up per item). Every combination is visible from the start, at zero. One
 * instance per registry, shared by everything that counts outcomes (the composition root builds it).
 */
public final class OutcomeCounters {

    private final Map<Outcome.Kind, Map<Reason, Counter>> counters = new EnumMap<>(Outcome.Kind.class);

    public OutcomeCounters(MeterRegistry metrics) {
        for (Outcome.Kind kind : Outcome.Kind.values()) {
            Map<Reason, Counter> byReason = new EnumMap<>(Reason.class);
            for (Reason reason : Reason.values()) {
                if (reason.allows(kind)) {
                    byReason.put(reason, Counter.builder(MetricNames.ITEMS)
                            .tag(MetricNames.TAG_OUTCOME, tagValue(kind))
                            .tag(MetricNames.TAG_REASON, reason.code())
                            .register(metrics));
                }
            }
            counters.put(kind, byReason);
        }
    }

    /** The outcome tag and log field: {@code indexed}, {@code skipped}, {@code failed_permanent}, {@code failed_transient}. */
    public static String tagValue(Outcome.Kind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    public void increment(Outcome outcome) {
        // Outcome guarantees the reason fits the kind, so the counter exists.
        counters.get(outcome.kind()).get(outcome.reason()).increment();
    }
}
