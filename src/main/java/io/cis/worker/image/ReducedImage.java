package io.cis.worker.image;

import java.util.Objects;

/**
 * A picture held at 1/factor of its size, with where the full picture lies in its pixel coordinates: the full
 * picture's area is the region [left, left + fullWidth / factor) x [top, top + fullHeight / factor) of these pixels
 * (fractional, as Pillow's resize box). Resizing that region gives the geometry of resizing the full picture.
 */
record ReducedImage(RgbImage pixels, int fullWidth, int fullHeight, int factor, double left, double top) {

    ReducedImage {
        Objects.requireNonNull(pixels, "pixels");
        if (factor < 1 || fullWidth <= 0 || fullHeight <= 0) {
            throw new IllegalArgumentException("bad reduction " + factor + " of " + fullWidth + "x" + fullHeight);
        }
    }

    /** A picture at full size: the region is the whole picture. */
    static ReducedImage whole(RgbImage image) {
        return new ReducedImage(image, image.width(), image.height(), 1, 0, 0);
    }

    /**
     * A picture averaged in factor x factor blocks by {@link BoxReducer} (or the same averages computed natively): the
     * small picture's pixel (0, 0) is the block starting at the dropped columns and rows of the full one, so the full
     * picture starts that many small pixels before it.
     */
    static ReducedImage ofBoxReduced(RgbImage small, int fullWidth, int fullHeight, int factor) {
        return new ReducedImage(small, fullWidth, fullHeight, factor,
                -BoxReducer.dropped(fullWidth, factor) / (double) factor,
                -BoxReducer.dropped(fullHeight, factor) / (double) factor);
    }

    /**
     * A JPEG decoded at 1/factor by libjpeg, still as stored, turned by its EXIF orientation. libjpeg's output is
     * ceil(w / n) x ceil(h / n) and its pixel i covers stored pixels [i n, (i + 1) n), so the full picture is
     * [0, w / n) of it, the last pixel covering a partial block. Where turning reverses an axis, that partial block
     * comes first, and the full picture ends, rather than starts, at the edge: [ceil(w / n) - w / n, ceil(w / n)).
     *
     * @param storedWidth  the full picture's width as stored (before orientation), likewise the height
     */
    static ReducedImage ofScaledJpeg(RgbImage stored, int storedWidth, int storedHeight, int factor,
                                     Orientation orientation) {
        RgbImage turned = RgbConverter.orient(stored, orientation);
        boolean swap = orientation.swapsSides();
        int fullWidth = swap ? storedHeight : storedWidth;
        int fullHeight = swap ? storedWidth : storedHeight;
        double left = orientation.reversesColumns() ? turned.width() - fullWidth / (double) factor : 0;
        double top = orientation.reversesRows() ? turned.height() - fullHeight / (double) factor : 0;
        return new ReducedImage(turned, fullWidth, fullHeight, factor, left, top);
    }

    double right() {
        return left + fullWidth / (double) factor;
    }

    double bottom() {
        return top + fullHeight / (double) factor;
    }
}
