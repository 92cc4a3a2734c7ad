package io.cis.worker.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.bench.BenchImageSet;
import io.cis.worker.bench.BenchImageSet.RenderKind;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The streaming decoder gives {@link ImageDecoder#decode}'s pixels (ImageIO's, PIL's), bit for bit, for every plain
 * kind and every row filter, averages blocks exactly as {@link BoxReducer} does, and refuses (null) whatever libpng
 * would refuse.
 */
class StreamingPngDecoderTest {

    private static final ImageDecoder EXACT = new ImageDecoder();

    /** Colour type, bit depth: every kind {@link PngHeader#plain()} accepts. */
    private static final int[][] KINDS = {
        {PngHeader.RGB, 8}, {PngHeader.RGBA, 8}, {PngHeader.RGB, 16}, {PngHeader.RGBA, 16}, {PngHeader.GREY, 8},
        {PngHeader.GREY_ALPHA, 8}};

    @Test
    void everyPlainKindWithEveryRowFilterDecodesToTheExactPixels() throws Exception {
        for (int[] kind : KINDS) {
            // Rows cycle through None, Sub, Up, Average and Paeth; the odd width leaves a partial last block.
            byte[] png = encode(53, 41, kind[0], kind[1], 7, y -> y % 5);
            assertIdentical(png, "colour type " + kind[0] + ", " + kind[1] + " bits");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(RenderKind.class)
    void rendersWrittenByLibpngDecodeToTheExactPixels(RenderKind kind) throws Exception {
        // libpng's adaptive filters, zlib level 6, several IDAT chunks: the files the benchmark and studios hold.
        assertIdentical(BenchImageSet.render(TestImages.sharedImages(), "chelsea.png", 640, 361, kind, kind.ordinal()),
                kind.name());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"astronaut.png", "camera.png", "coffee.png", "text.png", "formats/astronaut-16bit.png",
        "formats/coffee-panorama.png"})
    void sharedPngsDecodeToTheExactPixels(String file) throws Exception {
        assertIdentical(TestImages.sharedImage(file), file);
    }

    @ParameterizedTest(name = "factor {0}")
    @ValueSource(ints = {2, 3, 4, 5, 8})
    void averagesBlocksExactlyAsBoxReducerDoesWithHalvesToEven(int factor) throws Exception {
        for (int[] kind : KINDS) {
            byte[] png = encode(163, 118, kind[0], kind[1], factor, y -> (y * 7) % 5);
            RgbImage streamed = StreamingPngDecoder.decode(png, PngHeader.read(png), factor);
            RgbImage reduced = BoxReducer.reduce(EXACT.decode(png), factor, true);
            assertNotNull(streamed);
            assertEquals(reduced.width(), streamed.width());
            assertEquals(reduced.height(), streamed.height());
            assertArrayEquals(reduced.rgb(), streamed.rgb(), "colour type " + kind[0] + ", " + kind[1] + " bits");
        }
    }

    @Test
    void paethPicksTheNeighbourTheSpecificationPicksForEveryInput() {
        for (int left = 0; left < 256; left++) {
            for (int up = 0; up < 256; up++) {
                for (int upLeft = 0; upLeft < 256; upLeft++) {
                    int p = left + up - upLeft;
                    int pa = Math.abs(p - left);
                    int pb = Math.abs(p - up);
                    int pc = Math.abs(p - upLeft);
                    int expected = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
                    int actual = StreamingPngDecoder.RowFilters.paeth(left, up, upLeft);
                    if (actual != expected) {
                        assertEquals(expected, actual, "left " + left + ", up " + up + ", upper left " + upLeft);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"truncated in the image data", "an IDAT CRC", "the Adler-32", "an unknown row filter", "a row short",
        "a row too many", "data after the zlib stream", "no IDAT after the header"})
    void refusesWhatLibpngRefuses(String damage) throws Exception {
        byte[] png = encode(64, 40, PngHeader.RGBA, 16, 3, y -> y % 5);
        byte[] damaged = switch (damage) {
            case "truncated in the image data" -> Arrays.copyOf(png, png.length * 2 / 3);
            case "an IDAT CRC" -> flipLastByteOfFirstIdat(png);
            case "the Adler-32" -> encodeRaw(64, 40, PngHeader.RGBA, 16, adlerBroken(filtered(64, 40, 8, 3)));
            case "an unknown row filter" -> encode(64, 40, PngHeader.RGBA, 16, 3, y -> y == 17 ? 5 : 1);
            case "a row short" -> encodeRaw(64, 40, PngHeader.RGBA, 16, zlib(filtered(64, 39, 8, 3)));
            case "a row too many" -> encodeRaw(64, 40, PngHeader.RGBA, 16, zlib(filtered(64, 41, 8, 3)));
            case "data after the zlib stream" -> encodeRaw(64, 40, PngHeader.RGBA, 16,
                    concat(zlib(filtered(64, 40, 8, 3)), new byte[] {1, 2, 3}));
            default -> Arrays.copyOf(png, 8 + 25);
        };
        PngHeader header = PngHeader.read(png); // the intact header: the decoder must find the damage itself
        assertNotNull(StreamingPngDecoder.decode(png, header, 1));
        assertNull(StreamingPngDecoder.decode(damaged, header, 1), damage);
        assertNull(StreamingPngDecoder.decode(damaged, header, 2), damage);
    }

    private static void assertIdentical(byte[] png, String what) throws ImageDecodeException {
        PngHeader header = PngHeader.read(png);
        assertTrue(header.plain(), what + ": " + header);
        RgbImage exact = EXACT.decode(png);
        BoxReducedOutcome.assertSamePicture(exact, StreamingPngDecoder.decode(png, header, 1), what);
    }

    /** Chooses the filter type of each row. */
    private interface RowFilterChoice {
        int filterOf(int y);
    }

    /** A PNG of smooth noise, each row filtered as chosen, its zlib stream split over three IDAT chunks. */
    private static byte[] encode(int width, int height, int colourType, int bitDepth, long seed, RowFilterChoice choice)
            throws Exception {
        int bpp = channels(colourType) * bitDepth / 8;
        byte[] raw = pixels(width, height, bpp, seed);
        int stride = width * bpp + 1;
        byte[] filtered = new byte[height * stride];
        for (int y = 0; y < height; y++) {
            int type = choice.filterOf(y);
            filtered[y * stride] = (byte) type;
            for (int i = 0; i < width * bpp; i++) {
                int left = i >= bpp ? raw[y * (stride - 1) + i - bpp] & 0xFF : 0;
                int up = y > 0 ? raw[(y - 1) * (stride - 1) + i] & 0xFF : 0;
                int upLeft = y > 0 && i >= bpp ? raw[(y - 1) * (stride - 1) + i - bpp] & 0xFF : 0;
                int predicted = switch (type) {
                    case 1 -> left;
                    case 2 -> up;
                    case 3 -> (left + up) >>> 1;
                    case 4 -> {
                        int p = left + up - upLeft;
                        int pa = Math.abs(p - left);
                        int pb = Math.abs(p - up);
                        int pc = Math.abs(p - upLeft);
                        yield pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
                    }
                    default -> 0;
                };
                filtered[y * stride + 1 + i] = (byte) (raw[y * (stride - 1) + i] - predicted);
            }
        }
        return encodeRaw(width, height, colourType, bitDepth, zlib(filtered));
    }

    /** Rows of a smooth gradient with noise, unfiltered, each row's filter byte set to Sub (1). */
    private static byte[] filtered(int width, int height, int bpp, long seed) {
        byte[] raw = pixels(width, height, bpp, seed);
        int rowBytes = width * bpp;
        byte[] rows = new byte[height * (rowBytes + 1)];
        for (int y = 0; y < height; y++) {
            rows[y * (rowBytes + 1)] = 1;
            for (int i = 0; i < rowBytes; i++) {
                int left = i >= bpp ? raw[y * rowBytes + i - bpp] : 0;
                rows[y * (rowBytes + 1) + 1 + i] = (byte) (raw[y * rowBytes + i] - left);
            }
        }
        return rows;
    }

    private static byte[] pixels(int width, int height, int bpp, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] raw = new byte[width * height * bpp];
        for (int y = 0; y < height; y++) {
            for (int i = 0; i < width * bpp; i++) {
                raw[y * width * bpp + i] = (byte) ((i / bpp) * 3 + y * 2 + (i % bpp) * 40 + random.nextInt(24));
            }
        }
        return raw;
    }

    private static byte[] zlib(byte[] data) {
        Deflater deflater = new Deflater(6);
        deflater.setInput(data);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        return out.toByteArray();
    }

    private static byte[] adlerBroken(byte[] rows) {
        byte[] stream = zlib(rows);
        stream[stream.length - 1] ^= 1;
        return stream;
    }

    private static byte[] encodeRaw(int width, int height, int colourType, int bitDepth, byte[] zlibStream) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, width);
        putInt(ihdr, 4, height);
        ihdr[8] = (byte) bitDepth;
        ihdr[9] = (byte) colourType;
        chunk(out, "IHDR", ihdr);
        int third = zlibStream.length / 3;
        chunk(out, "IDAT", Arrays.copyOfRange(zlibStream, 0, third));
        chunk(out, "IDAT", new byte[0]);
        chunk(out, "IDAT", Arrays.copyOfRange(zlibStream, third, 2 * third));
        chunk(out, "IDAT", Arrays.copyOfRange(zlibStream, 2 * third, zlibStream.length));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] header = new byte[8];
        putInt(header, 0, data.length);
        System.arraycopy(type.getBytes(StandardCharsets.US_ASCII), 0, header, 4, 4);
        CRC32 crc = new CRC32();
        crc.update(header, 4, 4);
        crc.update(data);
        byte[] trailer = new byte[4];
        putInt(trailer, 0, (int) crc.getValue());
        out.writeBytes(header);
        out.writeBytes(data);
        out.writeBytes(trailer);
    }

    private static byte[] flipLastByteOfFirstIdat(byte[] png) {
        byte[] copy = png.clone();
        int p = 8;
        while (!new String(copy, p + 4, 4, StandardCharsets.US_ASCII).equals("IDAT")) {
            p += 12 + readInt(copy, p);
        }
        copy[p + 8 + readInt(copy, p) - 1] ^= 0x10;
        return copy;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static int channels(int colourType) {
        Map<Integer, Integer> channels = new LinkedHashMap<>();
        channels.put(PngHeader.GREY, 1);
        channels.put(PngHeader.GREY_ALPHA, 2);
        channels.put(PngHeader.RGB, 3);
        channels.put(PngHeader.RGBA, 4);
        return channels.get(colourType);
    }

    private static void putInt(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 24);
        b[at + 1] = (byte) (value >>> 16);
        b[at + 2] = (byte) (value >>> 8);
        b[at + 3] = (byte) value;
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }
}
