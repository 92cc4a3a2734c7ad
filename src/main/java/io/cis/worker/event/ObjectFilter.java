package io.cis.worker.event;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Decides from the notification alone (nothing downloaded) whether an object is worth embedding.
 * Checks run in this order: bucket, key prefix, image extension, size. A bucket outside the allow-list comes first:
 * nothing about an object there is ours to judge. A key we would skip anyway is skipped even when it is also too
 * large, so only images we would otherwise process can fail for their size.
 */
public final class ObjectFilter {

    /** The formats the decoder reads (JPEG, PNG, GIF, BMP, TIFF, WebP). */
    public static final Set<String> DEFAULT_IMAGE_EXTENSIONS =
            Set.of("jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp");

    /** The old Lambda's limit: 10 MB. */
    public static final long DEFAULT_MAX_OBJECT_BYTES = 10L * 1024 * 1024;

    private final BucketAllowList buckets;
    private final Set<String> extensions;
    private final List<String> keyPrefixes;
    private final long maxObjectBytes;

    /**
     * @param imageExtensions accepted extensions, case-insensitive, with or without a leading dot; not empty
     * @param keyPrefixes     keys must start with one of these (case-sensitive, like S3 keys); empty accepts all
     * @param maxObjectBytes  largest accepted size in bytes (inclusive); positive
     * @throws IllegalArgumentException on an empty extension list, a blank extension or prefix, or a size limit
     *                                  below 1 (configuration errors, reported at start-up)
     */
    public ObjectFilter(Collection<String> imageExtensions, List<String> keyPrefixes, long maxObjectBytes) {
        this(imageExtensions, keyPrefixes, maxObjectBytes, BucketAllowList.any());
    }

    /** As above, and only objects in the allowed buckets are accepted. */
    public ObjectFilter(Collection<String> imageExtensions, List<String> keyPrefixes, long maxObjectBytes,
                        BucketAllowList buckets) {
        this.buckets = Objects.requireNonNull(buckets, "buckets");
        this.extensions = normaliseExtensions(imageExtensions);
        this.keyPrefixes = validatePrefixes(keyPrefixes);
        if (maxObjectBytes < 1) {
            throw new IllegalArgumentException("max object size must be at least 1 byte, got " + maxObjectBytes);
        }
        this.maxObjectBytes = maxObjectBytes;
    }

    /** Default extensions, every prefix, 10 MB. */
    public static ObjectFilter withDefaults() {
        return new ObjectFilter(DEFAULT_IMAGE_EXTENSIONS, List.of(), DEFAULT_MAX_OBJECT_BYTES);
    }

    public FilterDecision classify(S3ObjectRef object) {
        return classify(object, false);
    }

    /**
     * @param knownImage the caller knows it is an image whatever its key (a backfill's BACKFILL_IMAGE_QUERY chose
     *                   it): the extension is not checked, the prefixes and the size limit still are
     */
    public FilterDecision classify(S3ObjectRef object, boolean knownImage) {
        Objects.requireNonNull(object, "object");
        if (!buckets.allows(object.bucket())) {
            return FilterDecision.SKIP_BUCKET;
        }
        if (!keyPrefixes.isEmpty() && keyPrefixes.stream().noneMatch(object.key()::startsWith)) {
            return FilterDecision.SKIP_PREFIX;
        }
        if (!knownImage && !extensions.contains(extensionOf(object.key()))) {
            return FilterDecision.SKIP_NOT_IMAGE;
        }
        // Without a size in the notification the fetch stage enforces the limit while downloading.
        if (object.size() != null && object.size() > maxObjectBytes) {
            return FilterDecision.TOO_LARGE;
        }
        return FilterDecision.ACCEPT;
    }

    public BucketAllowList buckets() {
        return buckets;
    }

    public long maxObjectBytes() {
        return maxObjectBytes;
    }

    /**
     * The lower-cased text after the last dot of the key's last path segment, or "" when there is none.
     * Only the last segment counts ({@code album.jpg/notes} is no image); a leading dot starts a hidden name,
     * not an extension ({@code .jpg} has none), as in Python's {@code os.path.splitext}.
     */
    static String extensionOf(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        if (dot <= 0 || dot == name.length() - 1) {
            return "";
        }
        return name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static Set<String> normaliseExtensions(Collection<String> extensions) {
        Objects.requireNonNull(extensions, "image extensions");
        Set<String> normalised = new LinkedHashSet<>();
        for (String extension : extensions) {
            String bare = extension == null ? "" : extension.strip();
            if (bare.startsWith(".")) {
                bare = bare.substring(1);
            }
            if (bare.isEmpty()) {
                throw new IllegalArgumentException("image extensions must not contain a blank entry: " + extensions);
            }
            normalised.add(bare.toLowerCase(Locale.ROOT));
        }
        if (normalised.isEmpty()) {
            throw new IllegalArgumentException("at least one image extension is required");
        }
        return Set.copyOf(normalised);
    }

    private static List<String> validatePrefixes(List<String> prefixes) {
        if (prefixes == null) {
            return List.of();
        }
        for (String prefix : prefixes) {
            if (prefix == null || prefix.isBlank()) {
                throw new IllegalArgumentException("key prefixes must not contain a blank entry: " + prefixes);
            }
        }
        return List.copyOf(prefixes);
    }
}
