package io.cis.worker.backfill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.event.ObjectFilter;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.core.Outcome;
import io.cis.worker.pipeline.WorkItem;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class BackfillTest {

    /** The daemon's default filter: image extensions, every prefix. */
    private static final BackfillScreen DEFAULT_SCREEN = new BackfillScreen(ObjectFilter.withDefaults(), true);

    /** Pages of candidates; optionally fails instead of returning a page. */
    private static final class FakeSource implements BackfillSource {
        final Deque<List<BackfillCandidate>> pages = new ArrayDeque<>();
        long unusable;
        int failAtPage = -1;
        int served;
        int keepAlives;
        boolean closed;

        FakeSource(List<List<BackfillCandidate>> pages) {
            this.pages.addAll(pages);
        }

        FakeSource(int pages, int perPage) {
            int n = 0;
            for (int p = 0; p < pages; p++) {
                List<BackfillCandidate> page = new ArrayList<>();
                for (int i = 0; i < perPage; i++, n++) {
                    page.add(new BackfillCandidate(S3ObjectRef.of("bucket", "img-" + n + ".jpg"), "doc-" + n));
                }
                this.pages.add(page);
            }
        }

        @Override
        public OptionalLong total() {
            return OptionalLong.of(pages.stream().mapToLong(List::size).sum());
        }

        @Override
        public List<BackfillCandidate> nextPage() throws IOException {
            if (served == failAtPage) {
                throw new IOException("search failed");
            }
            served++;
            return pages.isEmpty() ? List.of() : pages.poll();
        }

        @Override
        public long unusable() {
            return unusable;
        }

        @Override
        public void keepAlive() {
            keepAlives++;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** Settles every candidate at once as indexed, and remembers the documents. */
    private static Backfill.Dispatcher indexing(BackfillTally tally, List<String> seen) {
        return c -> {
            seen.add(c.documentId());
            tally.settle(new WorkItem(c.object(), c.documentId(), tally, 0), Outcome.indexed());
        };
    }

    private static Backfill backfill(BackfillSource source, Backfill.Dispatcher dispatcher, BackfillTally tally,
                                     long limit, AtomicBoolean stop, Duration grace) {
        return new Backfill(source, DEFAULT_SCREEN, dispatcher, tally, new RateLimiter(0), limit, stop::get, grace,
                System::nanoTime);
    }

    @Test
    void dispatchesEveryCandidateOfEveryPageAndCountsUnusableDocumentsAsSkipped() {
        FakeSource source = new FakeSource(3, 4);
        source.unusable = 2;
        BackfillTally tally = new BackfillTally();
        List<String> seen = new ArrayList<>();

        Backfill.Result result = backfill(source, indexing(tally, seen), tally, 0, new AtomicBoolean(), Duration.ofSeconds(1)).run();

        assertFalse(result.interrupted());
        assertNull(result.sourceError());
        assertEquals(12, seen.size());
        assertEquals(12, new java.util.HashSet<>(seen).size());
        BackfillTally.Snapshot s = tally.snapshot();
        assertEquals(12, s.selected(), "documents without an S3 location are skipped, not selected");
        assertEquals(12, s.indexed());
        assertEquals(2L, s.skippedByReason().get("no_s3_location"));
        assertEquals(0, tally.unsettled());
    }

    @Test
    void theLimitStopsSelectionAndTheTotalShrinksToIt() {
        FakeSource source = new FakeSource(3, 4);
        BackfillTally tally = new BackfillTally();
        List<String> seen = new ArrayList<>();
        Backfill backfill = backfill(source, indexing(tally, seen), tally, 5, new AtomicBoolean(), Duration.ofSeconds(1));

        assertEquals(OptionalLong.of(5), backfill.expectedTotal());
        backfill.run();

        assertEquals(List.of("doc-0", "doc-1", "doc-2", "doc-3", "doc-4"), seen);
        assertEquals(1, source.pages.size(), "the third page was never read");
    }

    @Test
    void aStopEndsSelectionAndInFlightItemsGetOnlyTheGracePeriod() {
        FakeSource source = new FakeSource(2, 10);
        BackfillTally tally = new BackfillTally();
        AtomicBoolean stop = new AtomicBoolean();
        List<String> seen = new ArrayList<>();
        // Items are accepted but never settle (a stuck pipeline); the stop arrives after the third.
        Backfill.Dispatcher stuck = c -> {
            seen.add(c.documentId());
            if (seen.size() == 3) {
                stop.set(true);
            }
        };

        long start = System.nanoTime();
        Backfill.Result result = backfill(source, stuck, tally, 0, stop, Duration.ofMillis(300)).run();
        long tookMillis = (System.nanoTime() - start) / 1_000_000;

        assertTrue(result.interrupted());
        assertEquals(3, seen.size());
        assertEquals(3, tally.unsettled());
        assertTrue(tookMillis >= 250 && tookMillis < 5_000, "waited about the grace period, took " + tookMillis + " ms");
    }

    @Test
    void aSourceErrorFinishesWhatWasSelectedAndIsReported() {
        FakeSource source = new FakeSource(3, 2);
        source.failAtPage = 1;
        BackfillTally tally = new BackfillTally();
        List<String> seen = new ArrayList<>();

        Backfill.Result result = backfill(source, indexing(tally, seen), tally, 0, new AtomicBoolean(), Duration.ofSeconds(1)).run();

        assertEquals("IOException: search failed", result.sourceError());
        assertEquals(2, seen.size());
        assertEquals(0, tally.unsettled());
    }

    @Test
    void theRateLimitSpacesSelections() {
        FakeSource source = new FakeSource(1, 6);
        BackfillTally tally = new BackfillTally();
        List<String> seen = new ArrayList<>();
        Backfill backfill = new Backfill(source, DEFAULT_SCREEN, indexing(tally, seen), tally, new RateLimiter(20), 0,
                () -> false, Duration.ofSeconds(1), System::nanoTime);

        long start = System.nanoTime();
        backfill.run();
        long tookMillis = (System.nanoTime() - start) / 1_000_000;

        assertEquals(6, seen.size());
        assertTrue(tookMillis >= 240, "6 permits at 20/s take at least 250 ms, took " + tookMillis + " ms");
    }

    private static BackfillCandidate candidate(String key) {
        return new BackfillCandidate(S3ObjectRef.of("bucket", key), "doc:" + key);
    }

    /**
     * A page of documents that are no usable images (no S3 location, a non-image key, outside KEY_PREFIXES) before
     * the images: --limit counts only images, so a limit of 2 embeds 2 images instead of nothing on every run.
     */
    @Test
    void theLimitCountsUsableImagesOnly() {
        List<BackfillCandidate> junk = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            junk.add(candidate("uploads/notes-" + i + ".txt"));
            junk.add(candidate("elsewhere/photo-" + i + ".jpg"));
        }
        FakeSource source = new FakeSource(List.of(junk, List.of(candidate("uploads/a.jpg"), candidate("uploads/b.png"),
                candidate("uploads/c.gif"))));
        source.unusable = 4;
        BackfillScreen screen = new BackfillScreen(new ObjectFilter(ObjectFilter.DEFAULT_IMAGE_EXTENSIONS,
                List.of("uploads/"), ObjectFilter.DEFAULT_MAX_OBJECT_BYTES), true);
        BackfillTally tally = new BackfillTally();
        List<String> seen = new ArrayList<>();

        new Backfill(source, screen, indexing(tally, seen), tally, new RateLimiter(0), 2, () -> false,
                Duration.ofSeconds(1), System::nanoTime).run();

        assertEquals(List.of("doc:uploads/a.jpg", "doc:uploads/b.png"), seen);
        BackfillTally.Snapshot s = tally.snapshot();
        assertEquals(2, s.selected());
        assertEquals(java.util.Map.of("no_s3_location", 4L, "not_an_image", 5L, "prefix_filtered", 5L), s.skippedByReason());
        assertEquals(0, tally.unsettled());
    }

    /** The rate limit paces images only: 20 non-images and 3 images at 10/s take about 0.3 s, not 2.3 s. */
    @Test
    void theRateLimitPacesUsableImagesOnly() {
        List<BackfillCandidate> page = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            page.add(candidate("notes-" + i + ".txt"));
        }
        page.addAll(List.of(candidate("a.jpg"), candidate("b.jpg"), candidate("c.jpg")));
        BackfillTally tally = new BackfillTally();
        List<String> seen = new ArrayList<>();
        long start = System.nanoTime();
        new Backfill(new FakeSource(List.of(page)), DEFAULT_SCREEN, indexing(tally, seen), tally, new RateLimiter(10), 0,
                () -> false, Duration.ofSeconds(1), System::nanoTime).run();
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(3, seen.size());
        assertTrue(tookMillis < 1_500, "only the 3 images wait for permits, took " + tookMillis + " ms");
    }

    /** An image the operator's BACKFILL_IMAGE_QUERY chose is processed whatever its key, except when enqueued. */
    @Test
    void anImageChosenByTheQueryNeedsNoExtensionUnlessEnqueued() {
        BackfillCandidate chosen = new BackfillCandidate(S3ObjectRef.of("bucket", "blobs/4f2a9c"), "doc-1", true);
        BackfillCandidate byKey = new BackfillCandidate(S3ObjectRef.of("bucket", "blobs/4f2a9c"), "doc-2");
        assertEquals(java.util.Optional.empty(), DEFAULT_SCREEN.reject(chosen));
        assertEquals(java.util.Optional.of(io.cis.worker.core.Reason.NOT_AN_IMAGE), DEFAULT_SCREEN.reject(byKey));
        BackfillScreen enqueueing = new BackfillScreen(ObjectFilter.withDefaults(), false);
        assertEquals(java.util.Optional.of(io.cis.worker.core.Reason.NOT_AN_IMAGE), enqueueing.reject(chosen),
                "the daemon behind the queue would skip it by its key");
        BackfillScreen prefixed = new BackfillScreen(new ObjectFilter(ObjectFilter.DEFAULT_IMAGE_EXTENSIONS,
                List.of("photos/"), ObjectFilter.DEFAULT_MAX_OBJECT_BYTES), true);
        assertEquals(java.util.Optional.of(io.cis.worker.core.Reason.PREFIX_FILTERED), prefixed.reject(chosen),
                "KEY_PREFIXES still apply");
    }

    /** A slow page (a low rate limit) keeps the source's point in time alive between images. */
    @Test
    void aSlowPageKeepsTheSourceAlive() {
        FakeSource source = new FakeSource(1, 5);
        BackfillTally tally = new BackfillTally();
        new Backfill(source, DEFAULT_SCREEN, indexing(tally, new ArrayList<>()), tally, new RateLimiter(10), 0,
                () -> false, Duration.ofSeconds(1), System::nanoTime).run();
        // 5 permits at 10/s: about 0.4 s of waiting in 50 ms steps, each step a chance to renew.
        assertTrue(source.keepAlives >= 8, "keepAlive calls during the page: " + source.keepAlives);
    }

    @Test
    void flushRunsOnceSelectionEnds() {
        FakeSource source = new FakeSource(1, 3);
        BackfillTally tally = new BackfillTally();
        List<BackfillCandidate> buffered = new ArrayList<>();
        Backfill.Dispatcher buffering = new Backfill.Dispatcher() {
            @Override
            public void dispatch(BackfillCandidate candidate) {
                buffered.add(candidate);
            }

            @Override
            public void flush() {
                buffered.forEach(c -> tally.enqueued());
                buffered.clear();
            }
        };

        backfill(source, buffering, tally, 0, new AtomicBoolean(), Duration.ofSeconds(1)).run();

        assertEquals(3, tally.snapshot().enqueued());
        assertEquals(0, tally.unsettled());
    }
}
