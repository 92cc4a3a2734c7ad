package io.cis.worker.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR_RGB;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_GRAYSCALE_2;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_GRAYSCALE_4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_GRAYSCALE_8;

import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A JPEG decoded at 1/2, 1/4 or 1/8 scale by the SIMD libjpeg-turbo inside OpenCV's imgcodecs: libjpeg scales in
 * the inverse DCT, so it never produces the full-size pixels. At scale 1 the pixels are those PIL (libjpeg-turbo,
 * default settings) and {@link ImageDecoder#decode} give, byte for byte (checked on every 8-bit grey and YCbCr JPEG
 * in the tests' images), about four times faster than ImageIO's decoder. The output is as stored (EXIF orientation
 * ignored; the caller turns it) and RGB. Native buffers are freed before each call returns. Thread-safe. The natives are
 * {@link OpenCvNatives}'.
 */
final class ScaledJpegDecoder {

    private ScaledJpegDecoder() {
    }

    /**
     * The picture at 1/factor (1, 2, 4 or 8), ceil(w / factor) x ceil(h / factor), as stored; null when libjpeg-turbo
     * cannot decode it (corrupt or truncated data: OpenCV then gives no picture rather than a half-grey one), so the
     * caller can hand it to the decoder that reports why.
     */
    static RgbImage decode(byte[] jpeg, int factor) {
        int flags = scaleFlag(factor) | IMREAD_COLOR_RGB | IMREAD_IGNORE_ORIENTATION;
        try (Mat picture = OpenCvNatives.imdecode(jpeg, flags)) {
            if (picture == null || picture.type() != CV_8UC3 || !picture.isContinuous()) {
                return null;
            }
            return OpenCvNatives.copyRgb(picture);
        }
    }

    /** The reduced-grey flags carry the scale; IMREAD_COLOR_RGB then asks for three channels in RGB order. */
    private static int scaleFlag(int factor) {
        switch (factor) {
            case 1: return 0;
            case 2: return IMREAD_REDUCED_GRAYSCALE_2;
            case 4: return IMREAD_REDUCED_GRAYSCALE_4;
            case 8: return IMREAD_REDUCED_GRAYSCALE_8;
            default: throw new IllegalArgumentException("libjpeg scales by 1, 2, 4 or 8, not " + factor);
        }
    }
}
