package io.cis.worker.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.bench.BenchImageSet;
import io.cis.worker.bench.BenchImageSet.RenderKind;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The default path's libpng decoder gives {@link ImageDecoder#decode}'s pixels, bit for bit, for every PNG it accepts;
 * refuses the others (which then take the ImageIO path); and never changes how a bad PNG is reported.
 */
class NativePngDecoderTest {

    private static final ImageDecoder EXACT = new ImageDecoder();
    private static final ImageDecoder DEFAULT = new ImageDecoder(DecodeLimits.DEFAULT, Downscale.DCT);
    private static final Map<RenderKind, byte[]> RENDERS = new HashMap<>();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"astronaut.png", "brick.png", "camera.png", "chelsea.png", "clock_motion.png", "coffee.png",
        "coins.png", "horse.png", "text.png", "formats/astronaut-16bit.png", "formats/coffee-panorama.png"})
    void sharedPngsDecodeToTheExactPixels(String file) throws Exception {
        // Grey, RGB and RGBA; iCCP, gAMA, cHRM and bKGD among their chunks, which both decoders ignore, as PIL does.
        assertIdentical(TestImages.sharedImage(file));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(RenderKind.class)
    void rendersOfEveryKindDecodeToTheExactPixels(RenderKind kind) throws Exception {
        // 16-bit samples keep their high byte, alpha is dropped (not composited), in both decoders.
        assertIdentical(render(kind));
    }

    @Test
    void greyWithAlphaDecodesToTheExactPixels() throws Exception {
        int w = 97;
        int h = 61;
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 2, null);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.setSample(x, y, 0, (x * 7 + y * 3) & 0xFF);
                raster.setSample(x, y, 1, (x * y) & 0xFF);
            }
        }
        ComponentColorModel model = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        byte[] png = png(new BufferedImage(model, raster, false, null));
        assertEquals(PngHeader.GREY_ALPHA, PngHeader.read(png).colourType());
        assertIdentical(png);
    }

    @Test
    void gammaAndColourChunksChangeNothing() throws Exception {
        byte[] plain = TestImages.sharedImage("coffee.png");
        // A gamma of 1.0 and 4-bit significant bits: PIL applies neither, nor does either decoder.
        byte[] marked = withChunk(withChunk(plain, "gAMA", new byte[] {0, 1, -122, -96}), "sBIT", new byte[] {4, 4, 4});
        assertTrue(PngHeader.read(marked).plain());
        assertIdentical(marked);
        assertArrayEquals(EXACT.decode(plain).rgb(), DEFAULT.decodeReduced(marked).pixels().rgb());
    }

    @Test
    void averagesBlocksExactlyAsBoxReducerDoesWithHalvesToEven() throws Exception {
        byte[] png = render(RenderKind.RGB8);
        PngHeader header = PngHeader.read(png);
        for (int factor : new int[] {2, 3, 4, 5, 8}) {
            RgbImage nativeSmall = NativePngDecoder.decode(png, header, factor);
            RgbImage javaSmall = BoxReducer.reduce(EXACT.decode(png), factor, true);
            assertNotNull(nativeSmall);
            assertEquals(javaSmall.width(), nativeSmall.width());
            assertEquals(javaSmall.height(), nativeSmall.height());
            assertArrayEquals(javaSmall.rgb(), nativeSmall.rgb(), "factor " + factor);
        }
    }

    @Test
    void aLargeRenderIsAveragedAndResizedOverTheFullPicturesRegion() throws Exception {
        byte[] png = largeRender();
        ReducedImage reduced = DEFAULT.decodeReduced(png);
        assertEquals(2, reduced.factor());
        assertEquals(1900, reduced.fullWidth());
        assertEquals(1800, reduced.fullHeight());
        assertEquals(0, reduced.left(), 0.0);
        RgbImage full = EXACT.decode(png);
        assertArrayEquals(BoxReducer.reduce(full, 2, true).rgb(), reduced.pixels().rgb());
        byte[] odd = BenchImageSet.render(TestImages.sharedImages(), "coffee.png", 2701, 2690, RenderKind.RGB8, 4);
        ReducedImage three = DEFAULT.decodeReduced(odd);
        assertEquals(3, three.factor());
        assertEquals(-(2701 % 3 / 2) / 3.0, three.left(), 1e-12, "the dropped columns, in small pixels");
        assertEquals(-(2690 % 3 / 2) / 3.0, three.top(), 1e-12);
        // The ImageIO path (here for a PNG turned by its eXIf chunk) averages the same way.
        byte[] turned = NativePngDecoderTest.withChunk(png, "eXIf", exifOrientation(1 + 2));
        assertArrayEquals(BoxReducer.reduce(RgbConverter.orient(full, Orientation.fromExif(3)), 2, true).rgb(),
                DEFAULT.decodeReduced(turned).pixels().rgb());
    }

    @Test
    void refusesWhatItCannotProveEqualAndTheImageIoPathDecodesIt() throws Exception {
        byte[] coffee = TestImages.sharedImage("coffee.png");
        Map<String, byte[]> refused = new HashMap<>();
        refused.put("palette", TestImages.sharedImage("palette_color.png"));
        refused.put("4-bit palette", TestImages.sharedImage("formats/chelsea-tiny.png"));
        refused.put("16-bit grey", png(new BufferedImage(40, 30, BufferedImage.TYPE_USHORT_GRAY)));
        refused.put("tRNS", withChunk(coffee, "tRNS", new byte[] {0, 1, 0, 2, 0, 3}));
        refused.put("APNG", withChunk(coffee, "acTL", new byte[] {0, 0, 0, 1, 0, 0, 0, 0}));
        refused.put("eXIf orientation", withChunk(coffee, "eXIf", exifOrientation(6)));
        for (Map.Entry<String, byte[]> e : refused.entrySet()) {
            byte[] png = e.getValue();
            PngHeader header = PngHeader.read(png);
            boolean turned = e.getKey().startsWith("eXIf");
            assertEquals(turned, header.plain(), e.getKey());
            RgbImage exact = EXACT.decode(png);
            ReducedImage reduced = DEFAULT.decodeReduced(png);
            assertEquals(1, reduced.factor(), e.getKey());
            assertEquals(exact.width(), reduced.pixels().width(), e.getKey());
            assertArrayEquals(exact.rgb(), reduced.pixels().rgb(), e.getKey());
        }
        assertEquals(PngHeader.PALETTE, PngHeader.read(refused.get("palette")).colourType());
        RgbImage turned = DEFAULT.decodeReduced(refused.get("eXIf orientation")).pixels();
        assertEquals(400, turned.width(), "turned a quarter, as exif_transpose does");
    }

    @Test
    void anInterlacedOrNonStandardHeaderIsNotPlain() {
        byte[] coffee = TestImages.sharedImage("coffee.png").clone();
        assertTrue(PngHeader.read(coffee).plain());
        byte[] interlaced = coffee.clone();
        interlaced[28] = 1;
        assertFalse(PngHeader.read(interlaced).plain());
        byte[] filterMethod = coffee.clone();
        filterMethod[27] = 1;
        assertFalse(PngHeader.read(filterMethod).plain());
        assertFalse(PngHeader.read(TestImages.sharedImage("formats/random-bytes.png")).plain());
        assertFalse(PngHeader.read(Arrays.copyOf(coffee, 40)).plain(), "no IDAT before the end");
    }

    @Test
    void libpngGivesNoPictureForDataItCannotDecode() throws Exception {
        byte[] png = render(RenderKind.RGB8);
        PngHeader header = PngHeader.read(png);
        assertNull(NativePngDecoder.decode(Arrays.copyOf(png, png.length / 2), header, 1));
        assertNull(NativePngDecoder.decode(Arrays.copyOf(png, png.length / 2), header, 3));
    }

    /** Every damaged PNG is refused (or not) exactly as before, with the same reason and message. */
    @Test
    void badPngsAreReportedAsTheExactPathReportsThem() throws Exception {
        byte[] coffee = TestImages.sharedImage("coffee.png");
        byte[] large = largeRender();
        Map<String, byte[]> bad = new HashMap<>();
        bad.put("random bytes", TestImages.sharedImage("formats/random-bytes.png"));
        bad.put("bomb", TestImages.sharedImage("formats/bomb-30000x30000.png"));
        bad.put("zero width", withIhdrWidth(coffee, 0));
        // The large 16-bit render takes the streaming decoder; the others libpng.
        byte[] large16 = BenchImageSet.render(TestImages.sharedImages(), "coffee.png", 1900, 1800, RenderKind.RGBA16, 5);
        for (byte[] source : new byte[][] {coffee, large, large16}) {
            String size = source == coffee ? "small " : source == large ? "large " : "large 16-bit ";
            bad.put(size + "half", Arrays.copyOf(source, source.length / 2));
            bad.put(size + "nine tenths", Arrays.copyOf(source, source.length * 9 / 10));
            bad.put(size + "without IEND", Arrays.copyOf(source, source.length - 12));
            bad.put(size + "last byte missing", Arrays.copyOf(source, source.length - 1));
            bad.put(size + "only the header", Arrays.copyOf(source, 60));
            byte[] flipped = source.clone();
            for (int i = flipped.length / 2; i < flipped.length / 2 + 200; i++) {
                flipped[i] ^= 0x5A;
            }
            bad.put(size + "flipped bytes", flipped);
            byte[] crc = source.clone();
            crc[firstIdat(crc) + 8 + length(crc, firstIdat(crc))] ^= 1;
            bad.put(size + "IDAT CRC", crc);
        }
        bad.put("adler32", brokenAdler(coffee));
        int refusedBoth = 0;
        for (Map.Entry<String, byte[]> e : bad.entrySet()) {
            String exact = BoxReducedOutcome.of(e.getValue(), false);
            assertEquals(exact, BoxReducedOutcome.of(e.getValue(), true), e.getKey());
            System.out.println("bad PNG, " + e.getKey() + ": " + (exact.length() > 90 ? exact.substring(0, 90) : exact));
            refusedBoth += exact.startsWith("ok") ? 0 : 1;
        }
        assertTrue(refusedBoth >= 16, "most of these are refused: " + refusedBoth);
    }

    private static void assertIdentical(byte[] png) throws ImageDecodeException {
        PngHeader header = PngHeader.read(png);
        assertTrue(header.plain(), "accepted: " + header);
        RgbImage exact = EXACT.decode(png);
        BoxReducedOutcome.assertSamePicture(exact, NativePngDecoder.decode(png, header, 1), "libpng");
    }

    private static synchronized byte[] render(RenderKind kind) throws IOException {
        byte[] png = RENDERS.get(kind);
        if (png == null) {
            png = BenchImageSet.render(TestImages.sharedImages(), "chelsea.png", 640, 361, kind, kind.ordinal());
            RENDERS.put(kind, png);
        }
        return png;
    }

    /** Large enough to be averaged in 2 x 2 blocks on the default path (a shorter side of 1792 or more). */
    private static synchronized byte[] largeRender() throws IOException {
        return RENDERS.computeIfAbsent(null, k -> {
            try {
                return BenchImageSet.render(TestImages.sharedImages(), "coffee.png", 1900, 1800, RenderKind.RGBA8, 3);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, "png", out));
        return out.toByteArray();
    }

    /** The PNG with a chunk of this type and data inserted right after IHDR. */
    static byte[] withChunk(byte[] png, String type, byte[] data) {
        int at = 8 + 8 + 13 + 4;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, at);
        byte[] typeBytes = type.getBytes(StandardCharsets.ISO_8859_1);
        writeInt(out, data.length);
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        writeInt(out, (int) crc.getValue());
        out.write(png, at, png.length - at);
        return out.toByteArray();
    }

    private static byte[] withIhdrWidth(byte[] png, int width) {
        byte[] b = png.clone();
        b[16] = (byte) (width >>> 24);
        b[17] = (byte) (width >>> 16);
        b[18] = (byte) (width >>> 8);
        b[19] = (byte) width;
        CRC32 crc = new CRC32();
        crc.update(b, 12, 17);
        int value = (int) crc.getValue();
        b[29] = (byte) (value >>> 24);
        b[30] = (byte) (value >>> 16);
        b[31] = (byte) (value >>> 8);
        b[32] = (byte) value;
        return b;
    }

    /** The PNG with a wrong zlib checksum (the last IDAT's last 4 bytes) while every chunk's CRC is right. */
    private static byte[] brokenAdler(byte[] png) {
        byte[] b = png.clone();
        int idat = firstIdat(b);
        for (int next = idat; next >= 0; next = indexOfChunk(b, next + 12 + length(b, next), "IDAT")) {
            idat = next;
        }
        int length = length(b, idat);
        b[idat + 8 + length - 1] ^= 0x55;
        CRC32 crc = new CRC32();
        crc.update(b, idat + 4, 4 + length);
        int value = (int) crc.getValue();
        int at = idat + 8 + length;
        b[at] = (byte) (value >>> 24);
        b[at + 1] = (byte) (value >>> 16);
        b[at + 2] = (byte) (value >>> 8);
        b[at + 3] = (byte) value;
        return b;
    }

    private static byte[] exifOrientation(int orientation) {
        return new byte[] {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0,
            0, 0, 0, 0};
    }

    private static int firstIdat(byte[] png) {
        return indexOfChunk(png, 8, "IDAT");
    }

    private static int indexOfChunk(byte[] png, int from, String type) {
        for (int p = from; p + 8 <= png.length; p += 12 + length(png, p)) {
            if (new String(png, p + 4, 4, StandardCharsets.ISO_8859_1).equals(type)) {
                return p;
            }
        }
        return -1;
    }

    private static int length(byte[] png, int chunk) {
        return (png[chunk] & 0xFF) << 24 | (png[chunk + 1] & 0xFF) << 16 | (png[chunk + 2] & 0xFF) << 8
                | (png[chunk + 3] & 0xFF);
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }
}
