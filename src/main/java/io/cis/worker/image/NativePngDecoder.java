package io.cis.worker.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR_RGB;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;

import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A {@link PngHeader#plain() plain} PNG (8- or 16-bit RGB or RGBA, 8-bit grey with or without alpha) decoded by the
 * libpng inside OpenCV's imgcodecs, optionally averaged in n x n blocks before it leaves native memory. For those
 * kinds libpng's pixels are the ones {@link ImageDecoder#decode} gives (PIL's
 * {@code convert("RGB")}: alpha dropped, not composited; 16-bit samples cut to their high byte; grey repeated in
 * R, G and B; gAMA, iCCP and sBIT ignored), which NativePngDecoderTest proves on real files. The output is as stored
 * (an eXIf orientation is the caller's). Native buffers are freed before each call returns. Thread-safe.
 */
final class NativePngDecoder {

    private NativePngDecoder() {
    }

    /**
     * The picture averaged in factor x factor blocks by {@link NativeBoxReducer} (halves rounded to even; the columns
     * and rows that do not fill a block dropped evenly from both edges; factor 1:
     * the picture itself), as stored; null when libpng cannot decode it (corrupt or truncated data), so the caller can
     * hand it to the decoder that reports why.
     */
    static RgbImage decode(byte[] png, PngHeader header, int factor) {
        try (Mat picture = OpenCvNatives.imdecode(png, IMREAD_COLOR_RGB | IMREAD_IGNORE_ORIENTATION)) {
            if (picture == null || picture.type() != CV_8UC3 || picture.cols() != header.width()
                    || picture.rows() != header.height() || !picture.isContinuous()) {
                return null;
            }
            if (factor < 2) {
                return OpenCvNatives.copyRgb(picture);
            }
            return NativeBoxReducer.reduce(picture, factor);
        }
    }
}
