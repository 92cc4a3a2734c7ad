package io.cis.worker.image;

import static org.bytedeco.opencv.global.opencv_core.CV_16U;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * {@link BoxReducer#reduce(RgbImage, int, boolean)} with halves rounded to even, bit for bit, done by OpenCV's SIMD
 * {@code resize(INTER_AREA)} at a whole factor (its block-averaging path) on a picture in native memory: several
 * times faster than the Java loop, and a picture libpng decoded never has to be copied whole into the Java heap.
 * Works in bands of rows, so no full-size intermediate is allocated (a fresh 50 MB buffer costs more in page faults
 * than the averaging itself). Thread-safe.
 */
final class NativeBoxReducer {

    /** Output rows per band: a few hundred KB of intermediates for a 4K picture. */
    private static final int BAND_ROWS = 32;

    private NativeBoxReducer() {
    }

    /** The RGB picture (CV_8UC3) averaged in factor x factor blocks; factor at least 2. */
    static RgbImage reduce(Mat picture, int factor) {
        if (factor < 2 || picture.type() != CV_8UC3) {
            throw new IllegalArgumentException("need an 8-bit RGB picture and a factor of 2 or more, got " + factor);
        }
        int outW = picture.cols() / factor;
        int outH = picture.rows() / factor;
        int left = BoxReducer.dropped(picture.cols(), factor);
        int top = BoxReducer.dropped(picture.rows(), factor);
        byte[] rgb = new byte[Math.multiplyExact(outW * outH, 3)];
        try (Mat small = new Mat(); Mat wide = new Mat(); Mat smallWide = new Mat()) {
            for (int oy = 0; oy < outH; oy += BAND_ROWS) {
                int rows = Math.min(BAND_ROWS, outH - oy);
                try (Rect blocks = new Rect(left, top + oy * factor, outW * factor, rows * factor);
                     Mat band = new Mat(picture, blocks);
                     Size size = new Size(outW, rows)) {
                    if (factor % 2 == 1) {
                        // An odd block's average never ends in exactly .5: INTER_AREA's rounding is exact.
                        resize(band, small, size, 0, 0, INTER_AREA);
                    } else {
                        // Samples x 256 in 16 bits make an even block's average exact (for 2, 4, 8, 16; within 1/256
                        // of a level otherwise); converting back rounds halves to even (cvRound).
                        band.convertTo(wide, CV_16U, 256, 0);
                        resize(wide, smallWide, size, 0, 0, INTER_AREA);
                        smallWide.convertTo(small, CV_8U, 1 / 256.0, 0);
                    }
                    small.data().get(rgb, oy * outW * 3, rows * outW * 3);
                }
            }
        }
        return new RgbImage(outW, outH, rgb);
    }

    /** The same for a picture in the Java heap (copied to native memory for the averaging); factor 1: the picture. */
    static RgbImage reduce(RgbImage image, int factor) {
        if (factor < 2) {
            return image;
        }
        OpenCvNatives.ensureLoaded();
        try (BytePointer data = new BytePointer(image.rgb());
             Mat picture = new Mat(image.height(), image.width(), CV_8UC3, data)) {
            return reduce(picture, factor);
        }
    }
}
