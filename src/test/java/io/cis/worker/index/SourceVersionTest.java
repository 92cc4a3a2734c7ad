package io.cis.worker.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SourceVersionTest {

    private static final Instant MODIFIED = Instant.parse("2026-12-06T09:20:35Z");

    @Test
    void sequencersAreNormalisedSoThatLengthThenTextOrdersThemAsS3Says() {
        // S3: left-pad the shorter with zeros, then compare. Without leading zeros, the longer is the greater.
        assertEquals("55AED6DCD90281E5", SourceVersion.normaliseSequencer("0055aed6dcd90281e5"));
        assertEquals("0", SourceVersion.normaliseSequencer("0000"));
        assertEquals("ABC", SourceVersion.normaliseSequencer(" abc "));
        assertNull(SourceVersion.normaliseSequencer("not hex"), "anything but hex is no sequencer");
        assertNull(SourceVersion.normaliseSequencer(null));
        assertNull(SourceVersion.normaliseSequencer(""));
    }

    @Test
    void lastModifiedIsKeptInWholeSecondsAsFixedWidthText() {
        SourceVersion version = SourceVersion.of(null, Instant.parse("2026-12-06T09:20:35.999Z"));
        assertEquals(MODIFIED, version.lastModified());
        assertEquals("2026-12-06T09:20:35Z", version.lastModifiedText());
        assertNull(SourceVersion.UNKNOWN.lastModifiedText());
    }

    @Test
    void onlyANormalisedSequencerIsAccepted() {
        assertThrows(IllegalArgumentException.class, () -> new SourceVersion("00AB", null));
        assertThrows(IllegalArgumentException.class, () -> new SourceVersion("ab", null));
    }

    @Test
    void aNoOpThatLeftAnotherVersionOnTheDocumentWasASkip() {
        SourceVersion sent = SourceVersion.of("0055AA", MODIFIED);
        assertFalse(sent.supersededBy(SourceVersion.of("55AA", MODIFIED)), "the same version: unchanged");
        assertTrue(sent.supersededBy(SourceVersion.of("55AB", MODIFIED)));
        assertTrue(sent.supersededBy(SourceVersion.of("55AA", MODIFIED.plusSeconds(1))));
        assertTrue(sent.supersededBy(SourceVersion.of(null, MODIFIED)), "a document without it never had this write");

        SourceVersion legacy = SourceVersion.of(null, MODIFIED);
        assertFalse(legacy.supersededBy(SourceVersion.of("55AB", MODIFIED)), "only what was sent is compared");
        assertFalse(SourceVersion.UNKNOWN.supersededBy(SourceVersion.of("55AB", MODIFIED)), "nothing sent: unchanged");
    }

    @Test
    void storedValuesThisWorkerCouldNotHaveWrittenCountAsAbsent() {
        SourceVersion stored = SourceVersion.stored("55AB", "yesterday");
        assertEquals("55AB", stored.sequencer());
        assertNull(stored.lastModified());
        assertEquals(MODIFIED, SourceVersion.stored(null, "2026-12-06T09:20:35Z").lastModified());
    }
}
