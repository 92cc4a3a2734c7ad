package io.cis.worker.index;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where a write stands in the history of its S3 key, so a document only ever moves forward (see {@link BulkActions}).
 * Two writes are ordered by their S3 event sequencers when both have one (S3's rule: the greater hex value is the later
 * event of the key, after left-padding the shorter one with zeros), otherwise by the objects' Last-Modified; when
 * neither pair is known the write goes ahead, as every write did before.
 *
 * @param sequencer    the event's sequencer, normalised to upper-case hex without leading zeros, so that the longer
 *                     string is the greater one and equal lengths compare as text (the padding rule, without padding);
 *                     null when the message had none or it was not hex
 * @param lastModified the object's Last-Modified as the GET or HEAD returned it, whole seconds (what S3 gives);
 *                     null when unknown
 */
public record SourceVersion(String sequencer, Instant lastModified) {

    /** A write with nothing to order it by. */
    public static final SourceVersion UNKNOWN = new SourceVersion(null, null);

    private static final Pattern HEX = Pattern.compile("[0-9A-F]+");

    public SourceVersion {
        if (sequencer != null && (!HEX.matcher(sequencer).matches() || (sequencer.startsWith("0") && sequencer.length() > 1))) {
            throw new IllegalArgumentException("sequencer must be normalised upper-case hex, got " + sequencer);
        }
        lastModified = lastModified == null ? null : lastModified.truncatedTo(ChronoUnit.SECONDS);
    }

    /** From a notification's sequencer as sent (any case, any zero padding; anything but hex is ignored). */
    public static SourceVersion of(String rawSequencer, Instant lastModified) {
        return new SourceVersion(normaliseSequencer(rawSequencer), lastModified);
    }

    /**
     * The version a document holds, from its {@code _source} fields (null when absent); a value this worker could not
     * have written counts as absent.
     */
    static SourceVersion stored(String sequencer, String lastModified) {
        Instant modified;
        try {
            modified = lastModified == null ? null : Instant.parse(lastModified);
        } catch (DateTimeParseException e) {
            modified = null;
        }
        return of(sequencer, modified);
    }

    /**
     * Whether a document holding {@code stored} shows a write of this version as skipped for being older: the update
     * script writes every field of the version it sends, so a no-op that left other values there was a skip.
     */
    boolean supersededBy(SourceVersion stored) {
        return (sequencer != null && !sequencer.equals(stored.sequencer))
                || (lastModified != null && !lastModified.equals(stored.lastModified));
    }

    static String normaliseSequencer(String raw) {
        if (raw == null) {
            return null;
        }
        String hex = raw.trim().toUpperCase(Locale.ROOT);
        if (!HEX.matcher(hex).matches()) {
            return null;
        }
        String stripped = hex.replaceFirst("^0+", "");
        return stripped.isEmpty() ? "0" : stripped;
    }

    /**
     * Last-Modified as stored on the document: ISO-8601 in whole seconds, e.g. {@code 2026-12-06T09:20:35Z}, one
     * fixed width, so the update script orders two of them as text.
     */
    public String lastModifiedText() {
        return lastModified == null ? null : lastModified.toString();
    }
}
