package io.cis.worker.backfill;

import io.cis.worker.event.S3ObjectRef;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalLong;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;

/**
 * Every object under a prefix, one ListObjectsV2 page (up to 1,000 keys) at a time. Non-images are not filtered
 * here: the same object filter as the daemon's skips them. The total is unknown until the listing ends.
 *
 * <p>A {@link Slice} keeps the keys whose {@code String.hashCode()} (the same in every JVM) falls in it, so n
 * processes listing the same prefix share the objects without overlap (each still lists every key).
 */
public final class S3BackfillSource implements BackfillSource {

    private final String bucket;
    private final Slice slice;
    private final Iterator<ListObjectsV2Response> pages;

    public S3BackfillSource(S3Client s3, String bucket, String prefix, Slice slice) {
        this.bucket = bucket;
        this.slice = slice;
        this.pages = s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix == null ? "" : prefix)).iterator();
    }

    @Override
    public OptionalLong total() {
        return OptionalLong.empty();
    }

    @Override
    public List<BackfillCandidate> nextPage() {
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
