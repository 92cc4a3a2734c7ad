package io.cis.worker.image;

import java.util.Objects;

/**
 * A decoded picture as PIL's {@code convert("RGB")} would hold it: 8 bits per channel, no alpha,
 * pixels row by row, each as three bytes R, G, B.
 */
public final class RgbImage {

    private final int width;
    private final int height;
    private final byte[] rgb;

    public RgbImage(int width, int height, byte[] rgb) {
        Objects.requireNonNull(rgb, "rgb");
        if (width <= 0 || height <= 0 || rgb.length != 3L * width * height) {
            throw new IllegalArgumentException(
                    "need 3 bytes per pixel for " + width + "x" + height + ", got " + rgb.length);
        }
        this.width = width;
        this.height = height;
        this.rgb = rgb;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The pixel bytes themselves (not a copy: pictures are big and this class is a carrier, not a guard). */
    public byte[] rgb() {
        return rgb;
    }

    /** Channel {@code c} (0 = R, 1 = G, 2 = B) of the pixel at (x, y), 0..255. */
    public int sample(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }
}
