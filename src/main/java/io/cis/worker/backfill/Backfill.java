package io.cis.worker.backfill;

import io.cis.worker.core.Reason;
import io.cis.worker.index.OpenSearchErrors;
import io.cis.worker.ops.FailureReasons;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * One backfill run: takes candidates from the source page by page (up to the limit, at the configured rate),
 * hands each to the dispatcher (the pipeline, the queue, or a counter), and waits until every one has settled.
 * A stop request ends the selection at once; what is in flight then gets the grace period to finish.
 */
public final class Backfill {

    /** What happens to a selected image. */
    public enum Mode { DIRECT, ENQUEUE, DRY_RUN }

    /** Where selected images go. Every dispatched candidate must eventually reach the tally exactly once. */
    public interface Dispatcher {
        /** May block while the destination is full. */
        void dispatch(BackfillCandidate candidate) throws InterruptedException;

        /** Sends anything buffered; called once when selection ends. */
        default void flush() {
        }
    }

    private static final Logger log = LoggerFactory.getLogger(Backfill.class);
    private static final long POLL_NANOS = 50_000_000L;

    private final BackfillSource source;
    private final BackfillScreen screen;
    private final Dispatcher dispatcher;
    private final BackfillTally tally;
    private final RateLimiter limiter;
    private final long limit;
    private final BooleanSupplier stopRequested;
    private final Duration grace;
    private final LongSupplier nanoTime;

    private long stopSeenAtNanos;
    private boolean stopSeen;
    private long unusableCounted;

    /**
     * @param screen        which candidates are usable images; only those are selected, rate-limited and limited
     * @param limit         most usable images to select; 0 or less for no limit
     * @param stopRequested true once SIGINT/SIGTERM arrived
     * @param grace         how long in-flight items may take after a stop (SHUTDOWN_GRACE_SECONDS)
     */
    public Backfill(BackfillSource source, BackfillScreen screen, Dispatcher dispatcher, BackfillTally tally,
                    RateLimiter limiter, long limit, BooleanSupplier stopRequested, Duration grace, LongSupplier nanoTime) {
        this.source = source;
        this.screen = screen;
        this.dispatcher = dispatcher;
        this.tally = tally;
        this.limiter = limiter;
        this.limit = limit;
        this.stopRequested = stopRequested;
        this.grace = grace;
        this.nanoTime = nanoTime;
    }

    /** How many this run will select at most, when the source knows its size. */
    public OptionalLong expectedTotal() {
        OptionalLong total = source.total();
        if (limit <= 0) {
            return total;
        }
        return total.isPresent() ? OptionalLong.of(Math.min(limit, total.getAsLong())) : OptionalLong.of(limit);
    }

    /** Selects until the source is exhausted, the limit is reached or a stop is requested; then waits for settlement. */
    public Result run() {
        String sourceError = null;
        try {
            select();
        } catch (InterruptedException e) {
            stopSeen(); // interrupted while waiting for room in the pipeline: the interrupt is a stop request
        } catch (IOException e) {
            sourceError = e.getClass().getSimpleName() + ": " + e.getMessage();
            log.error("backfill: reading the source failed, finishing what was selected", kv("reason", reasonOf(e).code()),
                    kv("detail", e.toString()));
        } catch (RuntimeException e) {
            sourceError = e.getClass().getSimpleName() + ": " + e.getMessage();
            log.error("backfill: selection failed, finishing what was selected", kv("reason", reasonOf(e).code()),
                    kv("detail", e.toString()), e);
        } finally {
            dispatcher.flush();
        }
        awaitSettled();
        return new Result(stopSeen, sourceError);
    }

    /** @param interrupted a stop request ended the selection early */
    public record Result(boolean interrupted, String sourceError) {
    }

    private void select() throws IOException, InterruptedException {
        while (true) {
            List<BackfillCandidate> page = source.nextPage();
            countUnusable();
            if (page.isEmpty()) {
                return;
            }
            for (BackfillCandidate candidate : page) {
                if (limitReached() || isStopRequested()) {
                    return;
                }
                Optional<Reason> rejected = screen.reject(candidate);
                if (rejected.isPresent()) {
                    tally.passedOver(rejected.get());
                    continue;
                }
                if (!waitForPermit()) {
                    return;
                }
                tally.selected();
                dispatcher.dispatch(candidate);
                source.keepAlive();
            }
            if (limitReached()) {
                return;
            }
        }
    }

    /** The code of a failure to read the source: S3 (listing), OpenSearch (search), or neither (a bug). */
    private static Reason reasonOf(Exception e) {
        if (e instanceof SourceRefusedException refused) {
            return refused.reason();
        }
        Reason aws = FailureReasons.ofAwsCall(e, Reason.S3_UNREACHABLE, Reason.S3_ERROR);
        if (aws != Reason.INTERNAL_ERROR) {
            return aws;
        }
        return e instanceof IOException || e instanceof OpenSearchException ? OpenSearchErrors.reasonOf(e) : Reason.INTERNAL_ERROR;
    }

    /** Documents the source had to pass over count as skipped, not as selected (nor against the limit). */
    private void countUnusable() {
        long unusable = source.unusable();
        for (; unusableCounted < unusable; unusableCounted++) {
            tally.passedOver(Reason.NO_S3_LOCATION);
        }
    }

    private boolean limitReached() {
        return limit > 0 && tally.selectedCount() >= limit;
    }

    /**
     * Waits for the rate limiter's permit in short steps, so a stop is seen quickly and the source's point in time
     * is kept alive through a slow page; false if stopped meanwhile.
     */
    private boolean waitForPermit() {
        long due = nanoTime.getAsLong() + limiter.reserve(nanoTime.getAsLong());
        while (nanoTime.getAsLong() - due < 0) {
            if (isStopRequested()) {
                return false;
            }
            source.keepAlive();
            sleepNanos(Math.min(POLL_NANOS, due - nanoTime.getAsLong()));
        }
        return true;
    }

    private void awaitSettled() {
        while (tally.unsettled() > 0) {
            if (isStopRequested() && nanoTime.getAsLong() - stopSeenAtNanos >= grace.toNanos()) {
                log.warn("backfill: grace period over, leaving unfinished items for the next run",
                        kv("unfinished", tally.unsettled()), kv("grace_seconds", grace.toSeconds()));
                return;
            }
            sleepNanos(POLL_NANOS);
        }
    }

    private boolean isStopRequested() {
        if (!stopSeen && stopRequested.getAsBoolean()) {
            stopSeen();
        }
        return stopSeen;
    }

    private void stopSeen() {
        if (!stopSeen) {
            stopSeen = true;
            stopSeenAtNanos = nanoTime.getAsLong();
            log.info("backfill: stop requested, no more selection; waiting for in-flight items",
                    kv("in_flight", tally.unsettled()), kv("grace_seconds", grace.toSeconds()));
        }
    }

    private void sleepNanos(long nanos) {
        if (nanos <= 0) {
            return;
        }
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            stopSeen(); // the interrupt is a stop request; not re-raised, so the grace wait can still sleep
        }
    }
}
