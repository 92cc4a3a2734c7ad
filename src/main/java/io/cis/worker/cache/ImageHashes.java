package io.cis.worker.cache;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** The cache key of an image: the lowercase MD5 hex of its bytes, exactly as the old Lambda computes it. */
public final class ImageHashes {

    private static final Pattern MD5_HEX = Pattern.compile("[0-9a-f]{32}");

    private ImageHashes() {
    }

    public static String md5Hex(byte[] imageBytes) {
        try {
            // MD5 is not used for security here; it is the key format the shared table already uses.
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(imageBytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform must provide MD5", e);
        }
    }

    /**
     * The image hash an S3 ETag states, or null when it states none. S3 makes the ETag of an object uploaded in one
     * part (PutObject, CopyObject, the console) the MD5 of its bytes, so such an ETag is the cache key before the
     * object is downloaded. A multipart upload's ETag ({@code <32 hex>-<parts>}) is an MD5 of MD5s: null, so it can
     * never hit. Quotes are ignored and hex digits may be upper case.
     *
     * <p>The ETag of an SSE-KMS or SSE-C object is 32 hex digits too, but not the MD5 of its bytes, and nothing here
     * can tell. Looking it up is a harmless miss: the cache is only ever written under the MD5 computed from
     * downloaded bytes, never under an ETag, so no entry exists under such a value (an MD5 collision aside) and the
     * object is downloaded and embedded as it would be without this shortcut.
     */
    public static String fromETag(String eTag) {
        if (eTag == null) {
            return null;
        }
        String hash = eTag.replace("\"", "").strip().toLowerCase(java.util.Locale.ROOT);
        return isValid(hash) ? hash : null;
    }

    public static boolean isValid(String imageHash) {
        return imageHash != null && MD5_HEX.matcher(imageHash).matches();
    }

    static String requireValid(String imageHash) {
        if (!isValid(imageHash)) {
            throw new IllegalArgumentException("Not a lowercase MD5 hex image hash: " + imageHash);
        }
        return imageHash;
    }
}
