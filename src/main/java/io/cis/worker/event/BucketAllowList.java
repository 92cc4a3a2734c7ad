package io.cis.worker.event;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The buckets the worker may read (S3_BUCKETS). A bucket name is global and can change hands, and the queue also
 * takes messages that S3 itself did not send (the old worker's {@code {"id","s3_url"}}, EventBridge, enqueue), so
 * the bucket a record names is checked before anything is fetched. Empty allows every bucket, as before the setting.
 */
public final class BucketAllowList {

    private static final BucketAllowList ANY = new BucketAllowList(Set.of());

    private final Set<String> buckets;

    private BucketAllowList(Set<String> buckets) {
        this.buckets = buckets;
    }

    /** Every bucket allowed. */
    public static BucketAllowList any() {
        return ANY;
    }

    /**
     * @param buckets exact bucket names (S3 compares them case-sensitively); empty allows every bucket
     * @throws IllegalArgumentException on a blank entry, or one that is a URL or path rather than a name
     */
    public static BucketAllowList of(Collection<String> buckets) {
        Objects.requireNonNull(buckets, "buckets");
        Set<String> names = new LinkedHashSet<>();
        for (String bucket : buckets) {
            if (bucket == null || bucket.isBlank()) {
                throw new IllegalArgumentException("bucket list must not contain a blank entry: " + buckets);
            }
            if (bucket.contains("/") || bucket.contains(":") || !bucket.equals(bucket.strip())) {
                throw new IllegalArgumentException("'" + bucket + "' is not a bucket name (no s3://, path or spaces)");
            }
            names.add(bucket);
        }
        return names.isEmpty() ? ANY : new BucketAllowList(Set.copyOf(names));
    }

    public boolean allows(String bucket) {
        return buckets.isEmpty() || buckets.contains(bucket);
    }

    /** True when no list was given: every bucket is allowed. */
    public boolean allowsAny() {
        return buckets.isEmpty();
    }

    /** The names, sorted, for logs and messages; empty when every bucket is allowed. */
    public SortedSet<String> buckets() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(buckets));
    }

    @Override
    public String toString() {
        return buckets.isEmpty() ? "any bucket" : String.join(",", buckets());
    }
}
