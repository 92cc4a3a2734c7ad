package io.cis.worker.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class OutcomeTest {

    @Test
    void aReasonOnlyComesWithTheKindsItIsDeclaredFor() {
        assertThrows(IllegalArgumentException.class, () -> Outcome.permanent(Reason.S3_ERROR, "HTTP 503"));
        assertThrows(IllegalArgumentException.class, () -> Outcome.transientFailure(Reason.NOT_AN_IMAGE, ""));
        assertThrows(IllegalArgumentException.class, () -> new Outcome(Outcome.Kind.INDEXED, Reason.OBJECT_NOT_FOUND, ""));
        assertEquals(Outcome.Kind.FAILED_PERMANENT, Outcome.permanent(Reason.DOCUMENT_MISSING, "").kind());
        assertEquals(Outcome.Kind.FAILED_TRANSIENT, Outcome.transientFailure(Reason.DOCUMENT_MISSING, "").kind());
    }

    @Test
    void theDescriptionIsTheCodeThenTheDetail() {
        assertEquals("object_not_found: NoSuchKey", Outcome.permanent(Reason.OBJECT_NOT_FOUND, "NoSuchKey").describe());
        assertEquals("not_an_image", Outcome.skipped(Reason.NOT_AN_IMAGE, null).describe());
        assertEquals("none", Outcome.indexed().describe());
    }
}
