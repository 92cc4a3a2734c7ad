package io.cis.worker.image;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.EOFException;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * Image bytes to the picture a person sees, as 8-bit RGB with PIL's semantics (see {@link RgbConverter}).
 *
 * <p>The format comes from the content, never from a name. The size is read from the header and checked
 * against {@link DecodeLimits} before any pixel is allocated, so a decompression bomb costs a header read.
 * The EXIF orientation is applied as {@code PIL.ImageOps.exif_transpose} does. Every failure is an
 * {@link ImageDecodeException} with a reason. Thread-safe: each call uses its own reader.
 */
public final class ImageDecoder {

    static {
        // Once per JVM: make sure plugins on the class path (TwelveMonkeys) are registered even when a
        // context class loader hid them, and never let ImageIO spill streams into temporary files.
        ImageIO.scanForPlugins();
        ImageIO.setUseCache(false);
    }

    private final DecodeLimits limits;
    private final Downscale downscale;

    public ImageDecoder(DecodeLimits limits) {
        this(limits, Downscale.EXACT);
    }

    /**
     * @param downscale {@link Downscale#SUBSAMPLE} reads a large JPEG at 1/n scale; {@link Downscale#DCT} lets
     *                  {@link #decodeReduced} read a large JPEG at 1/2, 1/4 or 1/8 through libjpeg-turbo and a plain
     *                  PNG through libpng (whose natives load now: a failure to load them is an
     *                  IllegalStateException here, not on every image); {@link #decode} otherwise decodes the picture
     *                  PIL decodes (the reference);
     *                  {@link Downscale#REDUCE} is done by the preprocessor
     */
    public ImageDecoder(DecodeLimits limits, Downscale downscale) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.downscale = Objects.requireNonNull(downscale, "downscale");
        if (downscale == Downscale.DCT) {
            OpenCvNatives.ensureLoaded();
        }
    }

    public ImageDecoder() {
        this(DecodeLimits.DEFAULT);
    }

    public DecodeLimits limits() {
        return limits;
    }

    public RgbImage decode(byte[] bytes) throws ImageDecodeException {
        if (bytes == null || bytes.length == 0) {
            throw new ImageDecodeException(ImageDecodeException.Reason.EMPTY, "no image data (0 bytes)");
        }
        Optional<ImageFormat> detected = ImageFormat.detect(bytes);
        if (detected.isEmpty()) {
            throw new ImageDecodeException(ImageDecodeException.Reason.UNSUPPORTED_FORMAT,
                    "not a JPEG, PNG, GIF, BMP, TIFF or WebP image (first bytes: " + firstBytes(bytes) + ")");
        }
        ImageFormat format = detected.get();
        checkContainerLength(format, bytes);
        Orientation orientation = OrientationReader.read(format, bytes);
        if (format == ImageFormat.WEBP) {
            WebpLossy lossy = WebpLossy.find(bytes);
            if (lossy != null) {
                return RgbConverter.orient(lossy.decode(bytes, limits), orientation);
            }
        }
        return decodeWithImageIo(format, bytes, orientation);
    }

    /**
     * The picture ready for resizing: with {@link Downscale#DCT}, an 8-bit grey or colour JPEG is decoded by SIMD
     * libjpeg-turbo at the largest of 1/2, 1/4, 1/8 that keeps its shorter side at least {@link Downscale#minSide()},
     * or at full size when it is too small for that (the same pixels as {@link #decode}, several times faster than
     * ImageIO), after the size check; any JPEG whose structure is damaged or that libjpeg-turbo cannot decode (so that
     * {@link #decode} refuses it, or not, as it always has) is {@link #decode}d; anything but a JPEG as
     * {@link #decodeBoxReduced} says.
     */
    ReducedImage decodeReduced(byte[] bytes) throws ImageDecodeException {
        ImageFormat format = downscale == Downscale.DCT && bytes != null ? ImageFormat.detect(bytes).orElse(null) : null;
        if (format == ImageFormat.JPEG) {
            JpegHeader header = JpegHeader.read(bytes);
            if (header.scalable()) {
                limits.check(header.width(), header.height());
                int factor = downscale.factor(header.width(), header.height());
                RgbImage stored = JpegStructure.intact(bytes) ? ScaledJpegDecoder.decode(bytes, factor) : null;
                if (stored != null && stored.width() == ceilDiv(header.width(), factor)
                        && stored.height() == ceilDiv(header.height(), factor)) {
                    return ReducedImage.ofScaledJpeg(stored, header.width(), header.height(), factor,
                            OrientationReader.read(ImageFormat.JPEG, bytes));
                }
            }
        }
        if (format != null && format != ImageFormat.JPEG) {
            return decodeBoxReduced(bytes);
        }
        return ReducedImage.whole(decode(bytes));
    }

    /**
     * With {@link Downscale#DCT}, anything but a JPEG: a large picture averaged in n x n blocks (halves rounded to even)
     * while its shorter side stays at least {@link Downscale#minSide()} ({@link Downscale#blockFactor}: Pillow's
     * {@code reducing_gap} technique, with the JPEGs' gap). A {@link PngHeader#plain() plain} PNG without an
     * orientation is decoded and averaged by libpng and OpenCV ({@link NativePngDecoder}) or, at 16 bits, by
     * {@link StreamingPngDecoder}, whose pixels for those kinds equal {@link #decode}'s; a {@link TiffHeader#plain plain}
     * TIFF likewise by {@link StreamingTiffDecoder};
     * any other picture, and a PNG that those cannot decode (so that {@link #decode} refuses it, or not, as it always
     * has), is {@link #decode}d and then averaged by {@link NativeBoxReducer}.
     */
    private ReducedImage decodeBoxReduced(byte[] bytes) throws ImageDecodeException {
        TiffHeader tiff = TiffHeader.read(bytes);
        if (tiff.plain(bytes.length)) {
            limits.check(tiff.width(), tiff.height());
            int factor = downscale.blockFactor(tiff.width(), tiff.height());
            RgbImage small = StreamingTiffDecoder.decode(bytes, tiff, factor);
            if (small != null) {
                return ReducedImage.ofBoxReduced(small, tiff.width(), tiff.height(), factor);
            }
        }
        PngHeader png = PngHeader.read(bytes);
        if (png.plain() && OrientationReader.read(ImageFormat.PNG, bytes) == Orientation.NORMAL) {
            limits.check(png.width(), png.height());
            int factor = downscale.blockFactor(png.width(), png.height());
            // 16-bit: the streaming decoder skips the low bytes and alpha libpng unfilters (17-26% less CPU on the
            // bench's 16-bit renders). 8-bit: libpng's SSE row filters beat the Java ones (measured on the same).
            RgbImage small = png.bitDepth() == 16 ? StreamingPngDecoder.decode(bytes, png, factor)
                    : NativePngDecoder.decode(bytes, png, factor);
            if (small != null) {
                return ReducedImage.ofBoxReduced(small, png.width(), png.height(), factor);
            }
        }
        RgbImage full = decode(bytes);
        int factor = downscale.blockFactor(full.width(), full.height());
        return factor < 2 ? ReducedImage.whole(full)
                : ReducedImage.ofBoxReduced(NativeBoxReducer.reduce(full, factor), full.width(), full.height(), factor);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private RgbImage decodeWithImageIo(ImageFormat format, byte[] bytes, Orientation orientation)
            throws ImageDecodeException {
        ImageInputStream stream = new ByteArrayImageInputStream(bytes);
        ImageReader reader = readerFor(format, stream);
        TruncationWarnings warnings = new TruncationWarnings();
        reader.addIIOReadWarningListener(warnings);
        try {
            reader.setInput(stream, true, true);
            RgbImage picture = read(format, bytes, reader, orientation);
            if (warnings.truncated != null) {
                throw new ImageDecodeException(ImageDecodeException.Reason.TRUNCATED,
                        format + " data ends early: " + warnings.truncated);
            }
            return picture;
        } catch (IOException | RuntimeException e) {
            throw failure(format, bytes, stream, warnings, e);
        } finally {
            reader.dispose();
        }
    }

    /** Checks the declared size, then reads the first image the way PIL would see it. */
    private RgbImage read(ImageFormat format, byte[] bytes, ImageReader reader, Orientation orientation)
            throws IOException, ImageDecodeException {
        int width = reader.getWidth(0);
        int height = reader.getHeight(0);
        limits.check(width, height);
        if (format == ImageFormat.JPEG) {
            JpegHeader jpeg = JpegHeader.read(bytes);
            if (jpeg.components() == 4) {
                // The raster is what libjpeg hands PIL: CMYK, or YCCK that PIL has libjpeg turn into CMYK.
                Raster raster = reader.readRaster(0, null);
                return RgbConverter.convertJpegFourChannel(raster, jpeg.isYcck(), orientation);
            }
        }
        GifCanvas gif = format == ImageFormat.GIF ? GifCanvas.read(bytes) : null;
        boolean pasteOnGifCanvas = gif != null && !gif.framesTheWholeCanvas(width, height);
        if (pasteOnGifCanvas) {
            limits.check(gif.width, gif.height);
        }
        ImageReadParam param = rawTypeParam(reader);
        if (format == ImageFormat.JPEG) {
            subsample(param, width, height);
        }
        BufferedImage image = reader.read(0, param);
        RgbImage picture = RgbConverter.convert(image, orientation);
        if (pasteOnGifCanvas && image.getColorModel() instanceof IndexColorModel) {
            picture = gif.paste(picture, (IndexColorModel) image.getColorModel());
        }
        return picture;
    }

    /**
     * Decode into the stored samples, not into sRGB: PIL ignores embedded ICC profiles, and TwelveMonkeys
     * would otherwise convert e.g. an Adobe RGB JPEG (rocket.jpg) to sRGB and shift its colours.
     */
    private static ImageReadParam rawTypeParam(ImageReader reader) throws IOException {
        ImageReadParam param = reader.getDefaultReadParam();
        ImageTypeSpecifier raw = reader.getRawImageType(0);
        if (raw != null) {
            int csType = raw.getColorModel().getColorSpace().getType();
            boolean convertible = raw.getColorModel() instanceof IndexColorModel
                    || csType == ColorSpace.TYPE_RGB || csType == ColorSpace.TYPE_GRAY
                    || csType == ColorSpace.TYPE_CMYK;
            if (convertible) {
                param.setDestinationType(raw);
            }
        }
        return param;
    }

    /**
     * Keeps every n-th pixel of every n-th row, starting half a step in, so the kept pixel sits near the centre of
     * the n x n block it stands for (what the resize that follows assumes).
     */
    private void subsample(ImageReadParam param, int width, int height) {
        if (downscale != Downscale.SUBSAMPLE) {
            return;
        }
        int factor = Downscale.SUBSAMPLE.factor(width, height);
        if (factor >= 2) {
            int offset = (factor - 1) / 2;
            param.setSourceSubsampling(factor, factor, offset, offset);
        }
    }

    private static ImageReader readerFor(ImageFormat format, ImageInputStream stream)
            throws ImageDecodeException {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(stream);
        if (!readers.hasNext()) {
            throw new ImageDecodeException(ImageDecodeException.Reason.CORRUPT,
                    "starts like " + format + " but no decoder accepts its header");
        }
        return readers.next();
    }

    /** A RIFF container declares its length; shorter data is a truncated file whatever the decoder says. */
    private static void checkContainerLength(ImageFormat format, byte[] bytes) throws ImageDecodeException {
        if (format == ImageFormat.WEBP && bytes.length >= 8) {
            long declared = OrientationReader.u32le(bytes, 4) + 8;
            if (declared > bytes.length) {
                throw new ImageDecodeException(ImageDecodeException.Reason.TRUNCATED,
                        "WebP declares " + declared + " bytes but has " + bytes.length);
            }
        }
    }

    private static ImageDecodeException failure(ImageFormat format, byte[] bytes, ImageInputStream stream,
                                                TruncationWarnings warnings, Exception e) {
        String detail = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        boolean truncated = hasCause(e, EOFException.class) || readToEnd(stream, bytes.length)
                || warnings.truncated != null || (format == ImageFormat.TIFF && tiffDirectoryMissing(bytes));
        if (truncated) {
            return new ImageDecodeException(ImageDecodeException.Reason.TRUNCATED,
                    format + " data ends early (" + detail + ")", e);
        }
        return new ImageDecodeException(ImageDecodeException.Reason.CORRUPT,
                "corrupt " + format + " data (" + detail + ")", e);
    }

    private static boolean readToEnd(ImageInputStream stream, long length) {
        try {
            return stream.getStreamPosition() >= length;
        } catch (IOException e) {
            return false;
        }
    }

    /** A TIFF whose first directory lies beyond the data (directories often sit at the end of the file). */
    private static boolean tiffDirectoryMissing(byte[] b) {
        if (b.length < 8 || b[2] != 42 && b[3] != 42) {
            return false;
        }
        long offset = b[0] == 'I' ? OrientationReader.u32le(b, 4) : OrientationReader.u32be(b, 4);
        return offset + 2 > b.length;
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    private static String firstBytes(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(8, b.length); i++) {
            s.append(String.format(Locale.ROOT, "%02x", b[i] & 0xFF));
        }
        return s.toString();
    }

    /** libjpeg and TwelveMonkeys report a short JPEG as a warning and fill the rest with grey; PIL refuses it. */
    private static final class TruncationWarnings implements IIOReadWarningListener {
        String truncated;

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            String w = warning.toLowerCase(Locale.ROOT);
            if (truncated == null && (w.contains("premature end of jpeg file") || w.contains("truncated file")
                    || w.contains("missing eoi"))) {
                truncated = warning;
            }
        }
    }
}
