package io.cis.worker.image;

/**
 * Largest picture we agree to decode, checked against the header before any pixel is allocated.
 *
 * @param maxPixels width x height limit; PIL refuses above 178,956,970 (twice its warning threshold)
 * @param maxSide   limit on either side, independent of the pixel count (a 100000 x 10 strip is cheap in
 *                  pixels but not a photograph)
 */
public record DecodeLimits(long maxPixels, int maxSide) {

    /** PIL's decompression-bomb error threshold, so we refuse what the reference pipeline refuses. */
    public static final long PIL_MAX_PIXELS = 2L * 89_478_485;

    /** JPEG and WebP cannot exceed 65,535 / 16,383 per side; 65,535 keeps every real format decodable. */
    public static final int DEFAULT_MAX_SIDE = 65_535;

    public static final DecodeLimits DEFAULT = new DecodeLimits(PIL_MAX_PIXELS, DEFAULT_MAX_SIDE);

    public DecodeLimits {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("maxPixels must be positive, was " + maxPixels);
        }
        if (maxSide < 1) {
            throw new IllegalArgumentException("maxSide must be positive, was " + maxSide);
        }
    }

    /** Refuses a picture of the given declared size, before it is decoded. */
    void check(int width, int height) throws ImageDecodeException {
        if (width <= 0 || height <= 0) {
            throw new ImageDecodeException(ImageDecodeException.Reason.CORRUPT,
                    "image declares an impossible size " + width + "x" + height);
        }
        long pixels = (long) width * height;
        if (pixels > maxPixels) {
            throw new ImageDecodeException(ImageDecodeException.Reason.TOO_LARGE,
                    "image declares " + width + "x" + height + " = " + pixels + " pixels, over the limit of "
                            + maxPixels + " (possible decompression bomb)");
        }
        if (width > maxSide || height > maxSide) {
            throw new ImageDecodeException(ImageDecodeException.Reason.TOO_LARGE,
                    "image declares " + width + "x" + height + ", a side over the limit of " + maxSide);
        }
    }
}
