package io.cis.worker.image;

/**
 * What a PNG declares before its pixel data: the IHDR fields, and whether any chunk before the first IDAT asks for
 * more than plain samples (a tRNS transparency key, an APNG animation). Read from the bytes alone, without inflating
 * anything; a file whose chunks cannot be walked up to an IDAT is {@link #plain() not plain}.
 */
record PngHeader(int width, int height, int bitDepth, int colourType, int interlace, boolean transparencyKey,
                 boolean animated, boolean reachesImageData) {

    static final int GREY = 0;
    static final int RGB = 2;
    static final int PALETTE = 3;
    static final int GREY_ALPHA = 4;
    static final int RGBA = 6;

    private static final int SIGNATURE_LENGTH = 8;
    private static final PngHeader UNREADABLE = new PngHeader(0, 0, 0, -1, -1, false, false, false);

    static PngHeader read(byte[] b) {
        if (ImageFormat.detect(b).orElse(null) != ImageFormat.PNG || b.length < SIGNATURE_LENGTH + 8 + 13 + 4
                || u32(b, SIGNATURE_LENGTH) != 13 || !type(b, SIGNATURE_LENGTH + 4, "IHDR")) {
            return UNREADABLE;
        }
        int ihdr = SIGNATURE_LENGTH + 8;
        long width = u32(b, ihdr);
        long height = u32(b, ihdr + 4);
        int bitDepth = b[ihdr + 8] & 0xFF;
        int colourType = b[ihdr + 9] & 0xFF;
        boolean standard = b[ihdr + 10] == 0 && b[ihdr + 11] == 0; // deflate, adaptive filtering
        int interlace = b[ihdr + 12] & 0xFF;
        if (width < 1 || height < 1 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE || !standard) {
            return UNREADABLE;
        }
        boolean trns = false;
        boolean actl = false;
        boolean idat = false;
        long p = ihdr + 13 + 4;
        while (p + 8 <= b.length) {
            long length = u32(b, (int) p);
            int at = (int) p + 4;
            if (type(b, at, "IDAT")) {
                idat = true;
                break;
            }
            trns |= type(b, at, "tRNS");
            actl |= type(b, at, "acTL");
            p += 12 + length;
        }
        return new PngHeader((int) width, (int) height, bitDepth, colourType, interlace, trns, actl, idat);
    }

    /**
     * True colour or grey, with or without alpha, 8 or 16 bits (grey only at 8: PIL clips 16-bit grey rather than
     * keeping its high byte), not interlaced (no writer here makes one to test with), no transparency key, not
     * animated, its chunks intact up to the pixel data.
     */
    boolean plain() {
        boolean kind = switch (colourType) {
            case RGB, RGBA -> bitDepth == 8 || bitDepth == 16;
            case GREY, GREY_ALPHA -> bitDepth == 8;
            default -> false;
        };
        return kind && interlace == 0 && !transparencyKey && !animated && reachesImageData;
    }

    private static boolean type(byte[] b, int at, String name) {
        if (at + 4 > b.length) {
            return false;
        }
        for (int i = 0; i < 4; i++) {
            if (b[at + i] != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static long u32(byte[] b, int at) {
        return (b[at] & 0xFFL) << 24 | (b[at + 1] & 0xFFL) << 16 | (b[at + 2] & 0xFFL) << 8 | (b[at + 3] & 0xFFL);
    }
}
