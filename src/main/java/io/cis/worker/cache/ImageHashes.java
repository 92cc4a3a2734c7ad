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
