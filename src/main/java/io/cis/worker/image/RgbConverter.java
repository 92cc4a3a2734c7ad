package io.cis.worker.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;

/**
 * PIL's {@code convert("RGB")} of a decoded picture, with its EXIF orientation applied on the way.
 *
 * <p>Semantics, all as Pillow 9 (the reference pipeline) does them, even where they are crude, so that our
 * vectors equal the Python worker's for the same bytes (the two share one embedding cache):
 * <ul>
 *   <li>alpha is dropped, never composited (the colour under a transparent pixel is kept);</li>
 *   <li>grey is replicated to R, G and B; a palette is looked up (its transparency ignored);</li>
 *   <li>samples narrower than 8 bits are scaled as PIL unpacks them, {@code v * 255 / max};</li>
 *   <li>16-bit colour (and grey with alpha) keeps the high byte, as PIL's "RGB;16B"/"LA;16B" unpackers do;</li>
 *   <li>16-bit grey without alpha is clipped to 255, because PIL holds it as mode "I"/"I;16" and
 *       converts that by clipping (a 0..255 image stored in 16 bits, like chessboard_GRAY_U16.tif, stays
 *       visible; a full-range 16-bit grey picture turns mostly white in both pipelines);</li>
 *   <li>CMYK uses PIL's naive formula without colour management, {@code R = (255-K) - C*(255-K)/255};
 *       a JPEG's CMYK is Adobe-inverted first, as PIL's "CMYK;I" raw mode does;</li>
 *   <li>embedded ICC profiles are ignored (PIL's {@code convert} ignores them too).</li>
 * </ul>
 * Rows are read from the raster in bulk; nothing goes through per-pixel {@code getRGB}.
 */
final class RgbConverter {

    private RgbConverter() {
    }

    /**
     * Converts a picture decoded with its raw (unconverted) image type. The picture must be the caller's
     * own: when it already holds packed 8-bit RGB or BGR, its pixel array is reused (reordered in place)
     * rather than copied, which saves a second full-size array (36 MB for a 12-megapixel photo).
     */
    static RgbImage convert(BufferedImage image, Orientation orientation) throws ImageDecodeException {
        RgbImage inPlace = orientation == Orientation.NORMAL ? reuseInterleavedBytes(image) : null;
        if (inPlace != null) {
            return inPlace;
        }
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        if (orientation == Orientation.NORMAL) {
            RgbImage reused = reusePackedBytes(raster, cm);
            if (reused != null) {
                return reused;
            }
        }
        return write(raster.getWidth(), raster.getHeight(), rowSource(raster, cm), orientation);
    }

    /** The raster's own array as an RgbImage when it is exactly w x h x 3 bytes of RGB or BGR, else null. */
    private static RgbImage reusePackedBytes(Raster raster, ColorModel cm) {
        if (cm.getColorSpace().getType() != ColorSpace.TYPE_RGB || cm instanceof IndexColorModel
                || raster.getNumBands() != 3 || !(raster.getDataBuffer() instanceof DataBufferByte)
                || !(raster.getSampleModel() instanceof ComponentSampleModel)
                || raster.getMinX() != 0 || raster.getMinY() != 0 || raster.getParent() != null) {
            return null;
        }
        ComponentSampleModel sm = (ComponentSampleModel) raster.getSampleModel();
        DataBufferByte buffer = (DataBufferByte) raster.getDataBuffer();
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] data = buffer.getData();
        int[] offsets = sm.getBandOffsets();
        boolean packed = buffer.getNumBanks() == 1 && buffer.getOffset() == 0 && sm.getPixelStride() == 3
                && sm.getScanlineStride() == 3 * w && data.length == 3 * w * h
                && sm.getSampleSize(0) == 8 && sm.getSampleSize(1) == 8 && sm.getSampleSize(2) == 8;
        boolean rgb = offsets[0] == 0 && offsets[1] == 1 && offsets[2] == 2;
        boolean bgr = offsets[0] == 2 && offsets[1] == 1 && offsets[2] == 0;
        if (!packed || !(rgb || bgr)) {
            return null;
        }
        if (bgr) {
            for (int i = 0; i < data.length; i += 3) {
                byte blue = data[i];
                data[i] = data[i + 2];
                data[i + 2] = blue;
            }
        }
        return new RgbImage(w, h, data);
    }

    /**
     * Converts the four channels libjpeg returns for a CMYK or YCCK JPEG (a raw raster, no colour conversion):
     * YCCK goes to CMYK with libjpeg's own integer tables, then Adobe inversion and PIL's naive CMYK to RGB.
     */
    static RgbImage convertJpegFourChannel(Raster raster, boolean ycck, Orientation orientation) {
        int w = raster.getWidth();
        int[] samples = new int[w * 4];
        RowSource source = (y, out) -> {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, samples);
            for (int x = 0, s = 0, o = 0; x < w; x++, s += 4, o += 3) {
                int libjpegC;
                int libjpegM;
                int libjpegY;
                if (ycck) {
                    int luma = samples[s];
                    int cb = samples[s + 1];
                    int cr = samples[s + 2];
                    libjpegC = 255 - clip(luma + YccTables.CR_R[cr]);
                    libjpegM = 255 - clip(luma + ((YccTables.CB_G[cb] + YccTables.CR_G[cr]) >> 16));
                    libjpegY = 255 - clip(luma + YccTables.CB_B[cb]);
                } else {
                    libjpegC = samples[s];
                    libjpegM = samples[s + 1];
                    libjpegY = samples[s + 2];
                }
                int notK = samples[s + 3];
                out[o] = (byte) cmykChannel(255 - libjpegC, notK);
                out[o + 1] = (byte) cmykChannel(255 - libjpegM, notK);
                out[o + 2] = (byte) cmykChannel(255 - libjpegY, notK);
            }
        };
        return write(w, raster.getHeight(), source, orientation);
    }

    /** The picture turned by {@code orientation} (the same picture when there is nothing to turn). */
    static RgbImage orient(RgbImage image, Orientation orientation) {
        if (orientation == Orientation.NORMAL) {
            return image;
        }
        int w = image.width();
        byte[] rgb = image.rgb();
        RowSource rows = (y, out) -> System.arraycopy(rgb, y * w * 3, out, 0, w * 3);
        return write(w, image.height(), rows, orientation);
    }

    /**
     * The commonest case, a freshly decoded 8-bit RGB or BGR picture (every colour JPEG) with nothing to turn: its
     * own pixel array becomes the RGB image, R and B swapped in place for BGR, instead of being copied into a second
     * array of the same size (36 MB for a 12-megapixel photo). Safe because the decoder's BufferedImage is
     * discarded right after conversion. Null when the layout is anything else.
     */
    private static RgbImage reuseInterleavedBytes(BufferedImage image) {
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        if (cm instanceof IndexColorModel || cm.getColorSpace().getType() != ColorSpace.TYPE_RGB
                || raster.getNumBands() != 3 || raster.getMinX() != 0 || raster.getMinY() != 0
                || raster.getSampleModelTranslateX() != 0 || raster.getSampleModelTranslateY() != 0
                || !(raster.getDataBuffer() instanceof DataBufferByte buffer) || buffer.getNumBanks() != 1
                || buffer.getOffset() != 0 || !(raster.getSampleModel() instanceof ComponentSampleModel sm)) {
            return null;
        }
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] data = buffer.getData();
        int[] offsets = sm.getBandOffsets();
        if (sm.getPixelStride() != 3 || sm.getScanlineStride() != 3 * w || (long) data.length != 3L * w * h
                || sm.getSampleSize(0) != 8 || sm.getSampleSize(1) != 8 || sm.getSampleSize(2) != 8
                || sm.getBankIndices()[0] != 0 || sm.getBankIndices()[1] != 0 || sm.getBankIndices()[2] != 0) {
            return null;
        }
        if (offsets[0] == 2 && offsets[1] == 1 && offsets[2] == 0) {
            for (int i = 0; i < data.length; i += 3) {
                byte blue = data[i];
                data[i] = data[i + 2];
                data[i + 2] = blue;
            }
        } else if (!(offsets[0] == 0 && offsets[1] == 1 && offsets[2] == 2)) {
            return null;
        }
        return new RgbImage(w, h, data);
    }

    /** One row of the stored picture as R, G, B bytes. */
    private interface RowSource {
        void read(int y, byte[] rgbRow);
    }

    private static RgbImage write(int w, int h, RowSource source, Orientation orientation) {
        int outW = orientation.swapsSides() ? h : w;
        int outH = orientation.swapsSides() ? w : h;
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        byte[] row = new byte[w * 3];
        int step = orientation.step(w, h);
        for (int y = 0; y < h; y++) {
            source.read(y, row);
            int d = orientation.rowStart(y, w, h);
            if (step == 1) {
                System.arraycopy(row, 0, out, d * 3, w * 3);
            } else {
                for (int x = 0, s = 0; x < w; x++, s += 3, d += step) {
                    int o = d * 3;
                    out[o] = row[s];
                    out[o + 1] = row[s + 1];
                    out[o + 2] = row[s + 2];
                }
            }
        }
        return new RgbImage(outW, outH, out);
    }

    private static RowSource rowSource(Raster raster, ColorModel cm) throws ImageDecodeException {
        int dataType = raster.getDataBuffer().getDataType();
        if (dataType == DataBuffer.TYPE_FLOAT || dataType == DataBuffer.TYPE_DOUBLE) {
            throw new ImageDecodeException(ImageDecodeException.Reason.UNSUPPORTED_FORMAT,
                    "floating-point samples are not supported");
        }
        if (cm instanceof IndexColorModel) {
            return paletteRows(raster, (IndexColorModel) cm);
        }
        int csType = cm.getColorSpace().getType();
        int bands = raster.getNumBands();
        if (csType == ColorSpace.TYPE_RGB && bands >= 3) {
            RowSource fast = interleavedByteRows(raster);
            return fast != null ? fast : colourRows(raster);
        }
        if (csType == ColorSpace.TYPE_GRAY && bands >= 1) {
            return greyRows(raster, bands > 1);
        }
        if (csType == ColorSpace.TYPE_CMYK && bands >= 4) {
            return cmykRows(raster);
        }
        throw new ImageDecodeException(ImageDecodeException.Reason.UNSUPPORTED_FORMAT,
                "unsupported colour space (type " + csType + ") with " + bands + " channels");
    }

    /** The common case (JPEG, PNG, BMP, TIFF with 8-bit RGB in one byte array): read the array directly. */
    private static RowSource interleavedByteRows(Raster raster) {
        SampleModel sm = raster.getSampleModel();
        if (!(raster.getDataBuffer() instanceof DataBufferByte) || !(sm instanceof ComponentSampleModel)
                || raster.getDataBuffer().getNumBanks() != 1) {
            return null;
        }
        ComponentSampleModel csm = (ComponentSampleModel) sm;
        for (int b = 0; b < 3; b++) {
            if (csm.getSampleSize(b) != 8 || csm.getBankIndices()[b] != 0) {
                return null;
            }
        }
        byte[] data = ((DataBufferByte) raster.getDataBuffer()).getData();
        int[] offsets = csm.getBandOffsets();
        int pixelStride = csm.getPixelStride();
        int scanline = csm.getScanlineStride();
        int base = raster.getDataBuffer().getOffset()
                - raster.getSampleModelTranslateY() * scanline - raster.getSampleModelTranslateX() * pixelStride;
        int w = raster.getWidth();
        int r = offsets[0];
        int g = offsets[1];
        int bl = offsets[2];
        return (y, out) -> {
            int p = base + (raster.getMinY() + y) * scanline + raster.getMinX() * pixelStride;
            for (int x = 0, o = 0; x < w; x++, o += 3, p += pixelStride) {
                out[o] = data[p + r];
                out[o + 1] = data[p + g];
                out[o + 2] = data[p + bl];
            }
        };
    }

    private static RowSource colourRows(Raster raster) {
        int w = raster.getWidth();
        int bands = raster.getNumBands();
        int[] samples = new int[w * bands];
        SampleScaler[] scale = {
            SampleScaler.forColour(raster.getSampleModel().getSampleSize(0)),
            SampleScaler.forColour(raster.getSampleModel().getSampleSize(1)),
            SampleScaler.forColour(raster.getSampleModel().getSampleSize(2)),
        };
        return (y, out) -> {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, samples);
            for (int x = 0, s = 0, o = 0; x < w; x++, s += bands, o += 3) {
                out[o] = (byte) scale[0].to8(samples[s]);
                out[o + 1] = (byte) scale[1].to8(samples[s + 1]);
                out[o + 2] = (byte) scale[2].to8(samples[s + 2]);
            }
        };
    }

    private static RowSource greyRows(Raster raster, boolean hasAlpha) {
        int w = raster.getWidth();
        int bands = raster.getNumBands();
        int[] samples = new int[w * bands];
        int bits = raster.getSampleModel().getSampleSize(0);
        SampleScaler scale = bits > 8 && !hasAlpha ? SampleScaler.CLIP : SampleScaler.forColour(bits);
        return (y, out) -> {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, samples);
            for (int x = 0, s = 0, o = 0; x < w; x++, s += bands, o += 3) {
                byte v = (byte) scale.to8(samples[s]);
                out[o] = v;
                out[o + 1] = v;
                out[o + 2] = v;
            }
        };
    }

    private static RowSource paletteRows(Raster raster, IndexColorModel cm) {
        int w = raster.getWidth();
        int size = cm.getMapSize();
        byte[] reds = new byte[size];
        byte[] greens = new byte[size];
        byte[] blues = new byte[size];
        cm.getReds(reds);
        cm.getGreens(greens);
        cm.getBlues(blues);
        int[] indices = new int[w];
        return (y, out) -> {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, 0, indices);
            for (int x = 0, o = 0; x < w; x++, o += 3) {
                int i = indices[x];
                if (i < size) {
                    out[o] = reds[i];
                    out[o + 1] = greens[i];
                    out[o + 2] = blues[i];
                } else {
                    out[o] = 0;
                    out[o + 1] = 0;
                    out[o + 2] = 0;
                }
            }
        };
    }

    /** CMYK with 0 = no ink (TIFF); JPEG's inverted CMYK goes through {@link #convertJpegFourChannel}. */
    private static RowSource cmykRows(Raster raster) {
        int w = raster.getWidth();
        int bands = raster.getNumBands();
        int[] samples = new int[w * bands];
        SampleScaler scale = SampleScaler.forColour(raster.getSampleModel().getSampleSize(0));
        return (y, out) -> {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, samples);
            for (int x = 0, s = 0, o = 0; x < w; x++, s += bands, o += 3) {
                int notK = 255 - scale.to8(samples[s + 3]);
                out[o] = (byte) cmykChannel(scale.to8(samples[s]), notK);
                out[o + 1] = (byte) cmykChannel(scale.to8(samples[s + 1]), notK);
                out[o + 2] = (byte) cmykChannel(scale.to8(samples[s + 2]), notK);
            }
        };
    }

    /** PIL's cmyk2rgb for one channel: {@code nk - MULDIV255(ink, nk)} with nk = 255 - K. */
    private static int cmykChannel(int ink, int notK) {
        int t = ink * notK + 128;
        return notK - (((t >> 8) + t) >> 8);
    }

    private static int clip(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** How one sample of a given bit depth becomes 8 bits, as PIL's unpackers do it. */
    @FunctionalInterface
    private interface SampleScaler {
        SampleScaler IDENTITY = v -> v;
        SampleScaler HIGH_BYTE = v -> v >>> 8;
        SampleScaler CLIP = RgbConverter::clip;

        int to8(int sample);

        static SampleScaler forColour(int bits) {
            if (bits == 8) {
                return IDENTITY;
            }
            if (bits == 16) {
                return HIGH_BYTE;
            }
            if (bits > 16) {
                int shift = bits - 8;
                return v -> v >>> shift;
            }
            int max = (1 << bits) - 1;
            return v -> v * 255 / max;
        }
    }

    /** libjpeg's YCC to RGB tables (jdcolor.c, 16 fractional bits), used for YCCK JPEGs. */
    private static final class YccTables {
        static final int[] CR_R = new int[256];
        static final int[] CB_B = new int[256];
        static final int[] CR_G = new int[256];
        static final int[] CB_G = new int[256];

        static {
            for (int i = 0; i < 256; i++) {
                int x = i - 128;
                CR_R[i] = (int) ((fix(1.40200) * x + (1L << 15)) >> 16);
                CB_B[i] = (int) ((fix(1.77200) * x + (1L << 15)) >> 16);
                CR_G[i] = (int) (-fix(0.71414) * x);
                CB_G[i] = (int) (-fix(0.34414) * x + (1L << 15));
            }
        }

        private static long fix(double v) {
            return (long) (v * 65536 + 0.5);
        }
    }
}
