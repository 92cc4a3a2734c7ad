package io.cis.worker.backfill;

import io.cis.worker.core.Reason;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.fetch.BucketOwners;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalLong;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Every object under a prefix, one ListObjectsV2 page (up to 1,000 keys) at a time. Non-images are not filtered
 * here: the same object filter as the daemon's skips them. The total is unknown until the listing ends.
 *
 * <p>A {@link Slice} keeps the keys whose {@code String.hashCode()} (the same in every JVM) falls in it, so n
 * processes listing the same prefix share the objects without overlap (each still lists every key).
 *
 * <p>Every page is asked for with the bucket's expected owner (S3_EXPECTED_BUCKET_OWNER), so the listing of a bucket
 * that changed hands fails on the first page instead of selecting another account's objects.
 */
public final class S3BackfillSource implements BackfillSource {

    private final String bucket;
    private final Slice slice;
    private final String expectedOwner;
    private final Iterator<ListObjectsV2Response> pages;

    public S3BackfillSource(S3Client s3, String bucket, String prefix, Slice slice) {
        this(s3, bucket, prefix, slice, BucketOwners.none());
    }

    public S3BackfillSource(S3Client s3, String bucket, String prefix, Slice slice, BucketOwners owners) {
        this.bucket = bucket;
        this.slice = slice;
        this.expectedOwner = owners.ownerOf(bucket);
        // The paginator copies the first request into every later one, so each page carries the owner.
        this.pages = s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix == null ? "" : prefix)
                .expectedBucketOwner(expectedOwner)).iterator();
    }

    @Override
    public OptionalLong total() {
        return OptionalLong.empty();
    }

    @Override
    public List<BackfillCandidate> nextPage() throws SourceRefusedException {
        try {
            return readPage();
        } catch (S3Exception e) {
            if (BucketOwners.isOwnerMismatch(e, expectedOwner)) {
                throw new SourceRefusedException(Reason.BUCKET_OWNER_MISMATCH, "s3://" + bucket + ": ListObjectsV2 with "
                        + "expected bucket owner " + expectedOwner + " answered 403: the bucket belongs to another "
                        + "account (or the role may not list it)", e);
            }
            throw e;
        }
    }

    private List<BackfillCandidate> readPage() {
        while (pages.hasNext()) {
            List<BackfillCandidate> page = pages.next().contents().stream()
                    .filter(o -> inSlice(o.key()))
                    .map(o -> new BackfillCandidate(new S3ObjectRef(bucket, o.key(), null, o.size(), o.eTag()), null))
                    .toList();
            if (!page.isEmpty()) {
                return page;
            }
        }
        return List.of();
    }

    boolean inSlice(String key) {
        return Math.floorMod(key.hashCode(), slice.max()) == slice.id();
    }


    @Override
    public void close() {
        // nothing held on the server
    }
}
