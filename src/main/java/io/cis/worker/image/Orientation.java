package io.cis.worker.image;

/**
 * The EXIF Orientation tag (1-8): how the stored pixels must be turned to show the picture a person sees.
 * Applied the way {@code PIL.ImageOps.exif_transpose} does; unknown values mean "as stored", as in PIL.
 *
 * <p>The converter writes each stored pixel straight to its oriented place, so turning costs no extra copy:
 * stored pixel (x, y) of a w x h picture lands at pixel index {@code rowStart(y) + x * step()} of the result.
 */
enum Orientation {
    NORMAL(1),
    FLIP_LEFT_RIGHT(2),
    ROTATE_180(3),
    FLIP_TOP_BOTTOM(4),
    TRANSPOSE(5),
    /** PIL's ROTATE_270: a quarter turn clockwise, the usual portrait photo from a phone. */
    ROTATE_CLOCKWISE(6),
    TRANSVERSE(7),
    /** PIL's ROTATE_90: a quarter turn counter-clockwise. */
    ROTATE_COUNTER_CLOCKWISE(8);

    private final int exifValue;

    Orientation(int exifValue) {
        this.exifValue = exifValue;
    }

    int exifValue() {
        return exifValue;
    }

    static Orientation fromExif(int value) {
        for (Orientation o : values()) {
            if (o.exifValue == value) {
                return o;
            }
        }
        return NORMAL;
    }

    /** True when the result is the stored picture with width and height exchanged. */
    boolean swapsSides() {
        return exifValue >= 5;
    }

    /** True when the result's columns run against the stored axis they come from (stored x, or y when sides swap). */
    boolean reversesColumns() {
        return this == FLIP_LEFT_RIGHT || this == ROTATE_180 || this == ROTATE_CLOCKWISE || this == TRANSVERSE;
    }

    /** True when the result's rows run against the stored axis they come from (stored y, or x when sides swap). */
    boolean reversesRows() {
        return this == ROTATE_180 || this == FLIP_TOP_BOTTOM || this == TRANSVERSE || this == ROTATE_COUNTER_CLOCKWISE;
    }

    /** Pixel index in the result of stored pixel (0, y), for a stored picture of w x h. */
    int rowStart(int y, int w, int h) {
        switch (this) {
            case FLIP_LEFT_RIGHT: return y * w + (w - 1);
            case ROTATE_180: return (h - 1 - y) * w + (w - 1);
            case FLIP_TOP_BOTTOM: return (h - 1 - y) * w;
            case TRANSPOSE: return y;
            case ROTATE_CLOCKWISE: return h - 1 - y;
            case TRANSVERSE: return (w - 1) * h + (h - 1 - y);
            case ROTATE_COUNTER_CLOCKWISE: return (w - 1) * h + y;
            case NORMAL:
            default: return y * w;
        }
    }

    /** Distance in the result, in pixels, between stored pixels (x, y) and (x + 1, y). */
    int step(int w, int h) {
        switch (this) {
            case FLIP_LEFT_RIGHT:
            case ROTATE_180: return -1;
            case TRANSPOSE:
            case ROTATE_CLOCKWISE: return h;
            case TRANSVERSE:
            case ROTATE_COUNTER_CLOCKWISE: return -h;
            case NORMAL:
            case FLIP_TOP_BOTTOM:
            default: return 1;
        }
    }
}
