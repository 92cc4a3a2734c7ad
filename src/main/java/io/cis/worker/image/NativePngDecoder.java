package io.cis.worker.image;

import static org.bytedeco.opencv.global.opencv_core.CV_16U;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR_RGB;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * A {@link PngHeader#plain() plain} PNG (8- or 16-bit RGB or RGBA, 8-bit grey with or without alpha) decoded by the
 * libpng inside OpenCV's imgcodecs, optionally shrunk by a whole factor in n x n block averages before it leaves
 * native memory. For those kinds libpng's pixels are the ones {@link ImageDecoder#decode} gives (PIL's
 * {@code convert("RGB")}: alpha dropped, not composited; 16-bit samples cut to their high byte; grey repeated in
 * R, G and B; gAMA, iCCP and sBIT ignored), which NativePngDecoderTest proves on real files. The output is as stored
 * (an eXIf orientation is the caller's). Native buffers are freed before each call returns. Thread-safe.
 */
final class NativePngDecoder {

    private NativePngDecoder() {
    }

    /**
     * The picture averaged in factor x factor blocks as {@link BoxReducer#reduce(RgbImage, int, boolean)} does with
     * halves rounded to even (the columns and rows that do not fill a block dropped evenly from both edges; factor 1:
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
                return copy(picture);
            }
            int outW = header.width() / factor;
            int outH = header.height() / factor;
            Rect blocks = new Rect(BoxReducer.dropped(header.width(), factor), BoxReducer.dropped(header.height(), factor),
                    outW * factor, outH * factor);
            // An exact multiple of the output size: INTER_AREA then averages whole blocks (its integer-scale path),
            // rounding halves up. An odd block has no halves; an even one is averaged in 16 bits from samples x 256
            // (exact for 2, 4 and 8) and rounded to 8 bits half to even (cvRound), so the picture is not lifted.
            try (blocks; Mat region = new Mat(picture, blocks); Mat small = new Mat(); Size size = new Size(outW, outH)) {
                if (factor % 2 == 1) {
                    resize(region, small, size, 0, 0, INTER_AREA);
                } else {
                    try (Mat wide = new Mat(); Mat smallWide = new Mat()) {
                        region.convertTo(wide, CV_16U, 256, 0);
                        resize(wide, smallWide, size, 0, 0, INTER_AREA);
                        smallWide.convertTo(small, CV_8U, 1 / 256.0, 0);
                    }
                }
                return copy(small);
            }
        }
    }

    private static RgbImage copy(Mat picture) {
        byte[] rgb = new byte[Math.multiplyExact(picture.cols() * picture.rows(), 3)];
        picture.data().get(rgb);
        return new RgbImage(picture.cols(), picture.rows(), rgb);
    }
}
