package io.cis.worker.fetch;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The account expected to own each bucket (S3_EXPECTED_BUCKET_OWNER), sent as {@code expectedBucketOwner} on every
 * S3 call that reads a bucket (GetObject, HeadObject, ListObjectsV2). A bucket name is global: if a bucket the role
 * may read is deleted and re-created in another account, S3 itself then refuses the request instead of handing over
 * that account's objects.
 *
 * <p>Written as one account id (every bucket), {@code bucket=account} pairs (buckets in several accounts), or both:
 * a pair wins over the bare id for its bucket.
 */
public final class BucketOwners {

    private static final Pattern ACCOUNT_ID = Pattern.compile("[0-9]{12}");
    private static final BucketOwners NONE = new BucketOwners(null, Map.of());

    private final String defaultOwner;
    private final Map<String, String> byBucket;

    private BucketOwners(String defaultOwner, Map<String, String> byBucket) {
        this.defaultOwner = defaultOwner;
        this.byBucket = byBucket;
    }

    /** No expected owner: requests go out without the header, as before the setting. */
    public static BucketOwners none() {
        return NONE;
    }

    /**
     * @param entries each a 12-digit account id (at most one: the owner of every bucket not named) or
     *                {@code bucket=account}; empty for none
     * @throws IllegalArgumentException naming the entry that is neither, a second bare id, or a bucket named twice
     */
    public static BucketOwners parse(List<String> entries) {
        Objects.requireNonNull(entries, "entries");
        String defaultOwner = null;
        Map<String, String> byBucket = new TreeMap<>();
        for (String raw : entries) {
            String entry = raw == null ? "" : raw.strip();
            int eq = entry.indexOf('=');
            if (eq < 0) {
                requireAccountId(entry, entry);
                if (defaultOwner != null) {
                    throw new IllegalArgumentException("more than one account id without a bucket ("
                            + defaultOwner + ", " + entry + "): write the others as bucket=account");
                }
                defaultOwner = entry;
            } else {
                String bucket = entry.substring(0, eq).strip();
                String account = entry.substring(eq + 1).strip();
                if (bucket.isEmpty()) {
                    throw new IllegalArgumentException("'" + entry + "' names no bucket before '='");
                }
                requireAccountId(account, entry);
                if (byBucket.put(bucket, account) != null) {
                    throw new IllegalArgumentException("bucket " + bucket + " is given an owner twice");
                }
            }
        }
        return defaultOwner == null && byBucket.isEmpty() ? NONE
                : new BucketOwners(defaultOwner, Collections.unmodifiableMap(byBucket));
    }

    private static void requireAccountId(String account, String entry) {
        if (!ACCOUNT_ID.matcher(account).matches()) {
            throw new IllegalArgumentException("'" + entry + "' is not a 12-digit AWS account id or bucket=account");
        }
    }

    /**
     * The account to send as {@code expectedBucketOwner} for this bucket, or null when none is expected (the SDK's
     * request builders take null as "no header", so the result can be passed straight on).
     */
    public String ownerOf(String bucket) {
        return byBucket.getOrDefault(bucket, defaultOwner);
    }

    /** True when no owner is expected for any bucket. */
    public boolean isEmpty() {
        return defaultOwner == null && byBucket.isEmpty();
    }

    /** The owner of every bucket not named in a pair. */
    public Optional<String> defaultOwner() {
        return Optional.ofNullable(defaultOwner);
    }

    /** The {@code bucket=account} pairs, sorted by bucket. */
    public Map<String, String> byBucket() {
        return byBucket;
    }

    /**
     * Whether S3's refusal is what a wrong owner looks like. S3 answers an owner mismatch with the same 403
     * {@code AccessDenied} as a plain permission denial (nothing in the answer tells them apart), so this is decided
     * by what was sent: a 403 AccessDenied to a request that carried an expected owner counts as a mismatch. Other
     * 403 codes (expired or invalid credentials, a skewed clock, an archived object) are something else. A HEAD
     * answer has no body and so no code: a bare 403 to a request with an owner counts as well.
     *
     * @param ownerSent the {@code expectedBucketOwner} the request carried, or null
     */
    public static boolean isOwnerMismatch(S3Exception e, String ownerSent) {
        if (ownerSent == null || e.statusCode() != 403) {
            return false;
        }
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        return code == null || code.isBlank() || "AccessDenied".equals(code);
    }

    /** {@code 123456789012} / {@code 123456789012,photos=210987654321} / {@code none}, for the start-up log. */
    @Override
    public String toString() {
        if (isEmpty()) {
            return "none";
        }
        StringBuilder text = new StringBuilder(defaultOwner == null ? "" : defaultOwner);
        byBucket.forEach((bucket, account) -> text.append(text.length() == 0 ? "" : ",").append(bucket).append('=').append(account));
        return text.toString();
    }
}
