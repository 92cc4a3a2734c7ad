package io.cis.worker.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.bench.BenchImageSet;
import io.cis.worker.bench.BenchImageSet.RenderKind;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The streaming TIFF decoder gives {@link ImageDecoder#decode}'s pixels (TwelveMonkeys', PIL's), bit for bit, for
 * every plain kind, compression, predictor and byte order; averages blocks as {@link BoxReducer} does; and the default
 * path reports damaged TIFFs exactly as the exact path does.
 */
class StreamingTiffDecoderTest {

    private static final ImageDecoder EXACT = new ImageDecoder();
    private static final String STREAM_FORMAT = "javax_imageio_tiff_stream_1.0";

    @Test
    void rendersWrittenByImageIoDecodeToTheExactPixels() throws Exception {
        for (RenderKind kind : RenderKind.values()) {
            BufferedImage picture = ImageIO.read(new ByteArrayInputStream(render(kind, 301, 187)));
            for (String compression : new String[] {"LZW", "Deflate", "ZLib", null}) {
                for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
                    byte[] tiff = imageIoTiff(picture, compression, order);
                    assertEquals(order == ByteOrder.LITTLE_ENDIAN, TiffHeader.read(tiff).littleEndian());
                    assertIdentical(tiff, kind + " " + compression + " " + order);
                }
            }
        }
    }

    @Test
    void horizontalDifferencingIsUndoneAtEightAndSixteenBitsInBothByteOrders() throws Exception {
        for (int bits : new int[] {8, 16}) {
            for (int samples : new int[] {3, 4}) {
                for (boolean little : new boolean[] {true, false}) {
                    for (int rowsPerStrip : new int[] {1, 7, 1000}) {
                        byte[] tiff = deflateTiff(93, 61, bits, samples, little, true, rowsPerStrip);
                        TiffHeader header = TiffHeader.read(tiff);
                        assertEquals(2, header.predictor());
                        assertIdentical(tiff, bits + " bits, " + samples + " samples, little-endian " + little
                                + ", " + rowsPerStrip + " rows per strip");
                    }
                }
            }
        }
    }

    @Test
    void theSharedLzwTiffWithAPredictorDecodesToTheExactPixels() throws Exception {
        byte[] tiff = TestImages.sharedImage("formats/coffee-lzw.tif");
        TiffHeader header = TiffHeader.read(tiff);
        assertEquals(TiffHeader.LZW, header.compression());
        assertEquals(2, header.predictor());
        assertIdentical(tiff, "coffee-lzw.tif");
    }

    @ParameterizedTest(name = "factor {0}")
    @ValueSource(ints = {2, 3, 4, 5})
    void averagesBlocksExactlyAsBoxReducerDoesWithHalvesToEven(int factor) throws Exception {
        BufferedImage picture = ImageIO.read(new ByteArrayInputStream(render(RenderKind.RGBA16, 233, 170)));
        for (byte[] tiff : new byte[][] {imageIoTiff(picture, "LZW", ByteOrder.LITTLE_ENDIAN),
            deflateTiff(211, 149, 16, 3, true, true, 5), deflateTiff(211, 149, 8, 4, false, true, 9)}) {
            RgbImage streamed = StreamingTiffDecoder.decode(tiff, TiffHeader.read(tiff), factor);
            RgbImage reduced = BoxReducer.reduce(EXACT.decode(tiff), factor, true);
            assertNotNull(streamed);
            assertEquals(reduced.width(), streamed.width());
            assertArrayEquals(reduced.rgb(), streamed.rgb(), "factor " + factor);
        }
    }

    @Test
    void whatItCannotProveEqualIsNotPlain() throws Exception {
        assertFalse(plain(TestImages.sharedImage("multipage_rgb.tif")), "planar, floating point");
        assertFalse(plain(TestImages.sharedImage("chessboard_GRAY_U16.tif")), "16-bit grey");
        byte[] tiff = deflateTiff(40, 30, 8, 4, true, false, 8);
        assertTrue(plain(tiff));
        assertFalse(plain(withShortTag(tiff, 338, 1)), "associated alpha");
        assertFalse(plain(withShortTag(tiff, 274, 6)), "turned by its Orientation tag");
        assertFalse(plain(withShortTag(tiff, 317, 3)), "floating-point predictor");
        assertFalse(plain(withShortTag(tiff, 284, 2)), "planar");
        assertFalse(plain(withShortTag(tiff, 259, 7)), "JPEG compression");
        assertFalse(plain(withShortTag(tiff, 262, 6)), "YCbCr");
        assertFalse(plain(Arrays.copyOf(tiff, tiff.length - 20)), "a strip past the end of the file");
        assertFalse(plain(TestImages.sharedImage("coffee.png")), "not a TIFF");
    }

    @Test
    void damagedStripDataGivesNoPicture() throws Exception {
        byte[] deflate = deflateTiff(64, 40, 16, 4, true, true, 8);
        TiffHeader header = TiffHeader.read(deflate);
        byte[] flipped = deflate.clone();
        int strip = (int) header.stripOffsets()[2];
        for (int i = strip; i < strip + 30; i++) {
            flipped[i] ^= 0x5A;
        }
        assertNull(StreamingTiffDecoder.decode(flipped, header, 1), "a corrupt Deflate strip");
        BufferedImage picture = ImageIO.read(new ByteArrayInputStream(render(RenderKind.RGB8, 120, 90)));
        byte[] lzw = imageIoTiff(picture, "LZW", ByteOrder.BIG_ENDIAN);
        TiffHeader lzwHeader = TiffHeader.read(lzw);
        byte[] cut = lzw.clone();
        int first = (int) lzwHeader.stripOffsets()[0];
        Arrays.fill(cut, first + 4, first + (int) lzwHeader.stripLengths()[0], (byte) 0xFF);
        assertNull(StreamingTiffDecoder.decode(cut, lzwHeader, 1), "a corrupt LZW strip");
    }

    /** Every damaged TIFF is refused (or not) by the default path exactly as the exact path refuses it. */
    @Test
    void badTiffsAreReportedAsTheExactPathReportsThem() throws Exception {
        BufferedImage picture = ImageIO.read(new ByteArrayInputStream(render(RenderKind.RGBA16, 1900, 1800)));
        Map<String, byte[]> bad = new LinkedHashMap<>();
        for (String compression : new String[] {"LZW", "Deflate"}) {
            byte[] tiff = imageIoTiff(picture, compression, ByteOrder.LITTLE_ENDIAN);
            assertTrue(plain(tiff));
            bad.put(compression + " intact", tiff);
            bad.put(compression + " half", Arrays.copyOf(tiff, tiff.length / 2));
            bad.put(compression + " last byte missing", Arrays.copyOf(tiff, tiff.length - 1));
            bad.put(compression + " only the header", Arrays.copyOf(tiff, 8));
            byte[] flipped = tiff.clone();
            for (int i = flipped.length / 3; i < flipped.length / 3 + 200; i++) {
                flipped[i] ^= 0x5A;
            }
            bad.put(compression + " flipped bytes", flipped);
        }
        for (Map.Entry<String, byte[]> e : bad.entrySet()) {
            String exact = BoxReducedOutcome.of(e.getValue(), false);
            assertEquals(exact, BoxReducedOutcome.of(e.getValue(), true), e.getKey());
            System.out.println("TIFF, " + e.getKey() + ": " + (exact.length() > 90 ? exact.substring(0, 90) : exact));
        }
        assertTrue(BoxReducedOutcome.of(bad.get("LZW intact"), false).startsWith("ok 950x900"));
    }

    private static boolean plain(byte[] tiff) {
        return TiffHeader.read(tiff).plain(tiff.length);
    }

    private static void assertIdentical(byte[] tiff, String what) throws ImageDecodeException {
        TiffHeader header = TiffHeader.read(tiff);
        assertTrue(header.plain(tiff.length), what + ": " + header);
        RgbImage exact = EXACT.decode(tiff);
        BoxReducedOutcome.assertSamePicture(exact, StreamingTiffDecoder.decode(tiff, header, 1), what);
    }

    private static byte[] render(RenderKind kind, int width, int height) throws IOException {
        return BenchImageSet.render(TestImages.sharedImages(), "coffee.png", width, height, kind, kind.ordinal());
    }

    /** The JDK's TIFF writer: strips of about 8 KB, the given compression (null: none) and byte order. */
    private static byte[] imageIoTiff(BufferedImage picture, String compression, ByteOrder order) throws IOException {
        ImageWriter writer = null;
        for (Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("tiff"); writers.hasNext(); ) {
            ImageWriter candidate = writers.next();
            if (candidate.getClass().getName().startsWith("com.sun.imageio")) {
                writer = candidate; // the JDK's: TwelveMonkeys' writes no 16-bit RGBA
            }
        }
        assertNotNull(writer, "the JDK's TIFF writer");
        ImageWriteParam param = writer.getDefaultWriteParam();
        if (compression != null) {
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionType(compression);
        }
        // The JDK's writer takes its byte order from the stream metadata, not the stream.
        IIOMetadata stream = writer.getDefaultStreamMetadata(param);
        IIOMetadataNode root = new IIOMetadataNode(STREAM_FORMAT);
        IIOMetadataNode byteOrder = new IIOMetadataNode("ByteOrder");
        byteOrder.setAttribute("value", order == ByteOrder.LITTLE_ENDIAN ? "LITTLE_ENDIAN" : "BIG_ENDIAN");
        root.appendChild(byteOrder);
        stream.mergeTree(STREAM_FORMAT, root);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(stream, new IIOImage(picture, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /**
     * A TIFF of smooth noise written here (the JDK's writer has no 16-bit predictor): Deflate strips of
     * {@code rowsPerStrip} rows, optionally horizontally differenced, unassociated alpha for 4 samples.
     */
    private static byte[] deflateTiff(int width, int height, int bits, int samples, boolean little, boolean predictor,
                                      int rowsPerStrip) {
        int bytesPerSample = bits / 8;
        int rowBytes = width * samples * bytesPerSample;
        SplittableRandom random = new SplittableRandom(width * 31L + bits + samples);
        int[][] rows = new int[height][width * samples];
        for (int y = 0; y < height; y++) {
            for (int i = 0; i < width * samples; i++) {
                int level = ((i / samples) * 5 + y * 3 + (i % samples) * 50 + random.nextInt(40)) & 0xFF;
                rows[y][i] = bits == 8 ? level : level << 8 | random.nextInt(256);
            }
        }
        int strips = (height + rowsPerStrip - 1) / rowsPerStrip;
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        long[] offsets = new long[strips];
        long[] lengths = new long[strips];
        int header = 8;
        for (int s = 0; s < strips; s++) {
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            for (int y = s * rowsPerStrip; y < Math.min(height, (s + 1) * rowsPerStrip); y++) {
                byte[] row = new byte[rowBytes];
                for (int i = 0; i < width * samples; i++) {
                    int value = rows[y][i];
                    if (predictor && i >= samples) {
                        value = (value - rows[y][i - samples]) & (bits == 8 ? 0xFF : 0xFFFF);
                    }
                    put(row, i * bytesPerSample, value, bytesPerSample, little);
                }
                raw.writeBytes(row);
            }
            Deflater deflater = new Deflater(6);
            deflater.setInput(raw.toByteArray());
            deflater.finish();
            byte[] buffer = new byte[raw.size() + 1024];
            int n = deflater.deflate(buffer);
            deflater.end();
            offsets[s] = header + data.size();
            lengths[s] = n;
            data.write(buffer, 0, n);
        }
        int dataEnd = header + data.size();
        int bitsAt = dataEnd;
        int offsetsAt = bitsAt + 8;
        int lengthsAt = offsetsAt + 4 * strips;
        int ifd = lengthsAt + 4 * strips;
        byte[] tail = new byte[ifd - dataEnd + 2 + 12 * 13 + 4];
        for (int i = 0; i < samples; i++) {
            put(tail, i * 2, bits, 2, little);
        }
        for (int s = 0; s < strips; s++) {
            put(tail, offsetsAt - dataEnd + 4 * s, (int) offsets[s], 4, little);
            put(tail, lengthsAt - dataEnd + 4 * s, (int) lengths[s], 4, little);
        }
        int[][] entries = {
            {256, 4, 1, width}, {257, 4, 1, height}, {258, 3, samples, bitsAt}, {259, 3, 1, TiffHeader.DEFLATE},
            {262, 3, 1, 2}, {273, 4, strips, strips == 1 ? (int) offsets[0] : offsetsAt}, {274, 3, 1, 1},
            {277, 3, 1, samples},
            {278, 4, 1, rowsPerStrip}, {279, 4, strips, strips == 1 ? (int) lengths[0] : lengthsAt},
            {284, 3, 1, 1}, {317, 3, 1, predictor ? 2 : 1}, {338, 3, 1, samples == 4 ? 2 : 0}};
        int count = samples == 4 ? 13 : 12;
        int at = ifd - dataEnd;
        put(tail, at, count, 2, little);
        for (int e = 0; e < count; e++) {
            int p = at + 2 + 12 * e;
            int[] entry = entries[e];
            put(tail, p, entry[0], 2, little);
            put(tail, p + 2, entry[1], 2, little);
            put(tail, p + 4, entry[2], 4, little);
            if (entry[1] == 3 && entry[2] == 1) {
                put(tail, p + 8, entry[3], 2, little);
            } else {
                put(tail, p + 8, entry[3], 4, little);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] head = new byte[8];
        head[0] = head[1] = (byte) (little ? 'I' : 'M');
        put(head, 2, 42, 2, little);
        put(head, 4, ifd, 4, little);
        out.writeBytes(head);
        out.writeBytes(data.toByteArray());
        out.writeBytes(tail);
        return out.toByteArray();
    }

    /** The TIFF with the value of a SHORT tag of its first directory replaced. */
    private static byte[] withShortTag(byte[] tiff, int tag, int value) {
        byte[] copy = tiff.clone();
        boolean little = copy[0] == 'I';
        int ifd = (int) OrientationReader.u32(copy, 4, little);
        int entries = OrientationReader.u16(copy, ifd, little);
        for (int e = 0; e < entries; e++) {
            int p = ifd + 2 + 12 * e;
            if (OrientationReader.u16(copy, p, little) == tag) {
                put(copy, p + 8, value, 2, little);
                return copy;
            }
        }
        throw new IllegalArgumentException("no tag " + tag);
    }

    private static void put(byte[] b, int at, int value, int size, boolean little) {
        for (int i = 0; i < size; i++) {
            int shift = little ? 8 * i : 8 * (size - 1 - i);
            b[at + i] = (byte) (value >>> shift);
        }
    }
}
