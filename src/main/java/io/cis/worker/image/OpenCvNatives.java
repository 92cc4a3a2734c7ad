package io.cis.worker.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * OpenCV's imgcodecs and imgproc natives (libjpeg-turbo, libpng, zlib) and their one entry point we use, imdecode.
 * The natives are unpacked from the jar into JavaCPP's cache directory (system property
 * {@code org.bytedeco.javacpp.cachedir}, by default ~/.javacpp/cache; the systemd unit and the container point it
 * under /var/lib/cis-worker) the first time this class is used, without any network access.
 */
final class OpenCvNatives {

    private static final Throwable LOAD_FAILURE = loadNatives();

    private OpenCvNatives() {
    }

    private static Throwable loadNatives() {
        // JavaCPP refuses allocations while the whole process's resident memory exceeds twice the Java heap; here
        // that memory is mostly libtorch's and the heap's, not the few MB a decode holds for a moment, so the
        // guard would only fail decodes. It is read when JavaCPP's Pointer class loads, so before anything else.
        if (System.getProperty("org.bytedeco.javacpp.maxPhysicalBytes") == null) {
            System.setProperty("org.bytedeco.javacpp.maxPhysicalBytes", "0");
        }
        try {
            Loader.load(opencv_imgcodecs.class);
            Loader.load(opencv_imgproc.class);
            return null;
        } catch (LinkageError | RuntimeException e) {
            return e;
        }
    }

    /**
     * Makes sure the natives loaded, so a missing or unloadable library fails start-up rather than every image.
     *
     * @throws IllegalStateException saying what failed
     */
    static void ensureLoaded() {
        if (LOAD_FAILURE != null) {
            throw new IllegalStateException("cannot load the native image decoders (OpenCV's libjpeg-turbo and libpng) for "
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ": " + LOAD_FAILURE
                    + "; IMAGE_DOWNSCALE=exact or reduce decode without them", LOAD_FAILURE);
        }
    }

    /**
     * The picture OpenCV decodes from these bytes with these {@code IMREAD_*} flags, which the caller closes; null
     * when it cannot decode them (OpenCV then gives no picture, or throws cv::Exception, a RuntimeException here).
     */
    static Mat imdecode(byte[] encoded, int flags) {
        ensureLoaded();
        try (BytePointer data = new BytePointer(encoded);
             Mat wrapped = new Mat(1, encoded.length, CV_8UC1, data)) {
            Mat picture = opencv_imgcodecs.imdecode(wrapped, flags);
            if (picture.empty()) {
                picture.close();
                return null;
            }
            return picture;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A continuous 8-bit three-channel picture's pixels, copied out of native memory. */
    static RgbImage copyRgb(Mat picture) {
        byte[] rgb = new byte[Math.multiplyExact(picture.cols() * picture.rows(), 3)];
        picture.data().get(rgb);
        return new RgbImage(picture.cols(), picture.rows(), rgb);
    }
}
