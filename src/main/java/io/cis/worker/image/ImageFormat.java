package io.cis.worker.image;

import java.util.Optional;

/** The formats we decode, recognised by their first bytes (never by a file name). */
enum ImageFormat {
    JPEG, PNG, GIF, BMP, TIFF, WEBP;

    static Optional<ImageFormat> detect(byte[] b) {
        if (startsWith(b, 0xFF, 0xD8, 0xFF)) {
            return Optional.of(JPEG);
        }
        if (startsWith(b, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return Optional.of(PNG);
        }
        if (startsWith(b, 'G', 'I', 'F', '8')) {
            return Optional.of(GIF);
        }
        if (startsWith(b, 'B', 'M')) {
            return Optional.of(BMP);
        }
        if (startsWith(b, 'I', 'I', 42, 0) || startsWith(b, 'M', 'M', 0, 42)
                || startsWith(b, 'I', 'I', 43, 0) || startsWith(b, 'M', 'M', 0, 43)) {
            return Optional.of(TIFF);
        }
        if (startsWith(b, 'R', 'I', 'F', 'F') && b.length >= 12
                && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
            return Optional.of(WEBP);
        }
        return Optional.empty();
    }

    private static boolean startsWith(byte[] b, int... prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((b[i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
