package io.cis.worker.image;

import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A {@link PngHeader#plain() plain} PNG (8- or 16-bit RGB or RGBA, 8-bit grey with or without alpha) decoded row by
 * row in Java, optionally averaged in n x n blocks as the rows arrive, with {@link ImageDecoder#decode}'s pixels (PIL's
 * {@code convert("RGB")}: alpha dropped, not composited; 16-bit samples cut to their high byte; grey repeated in R,
 * G and B; gAMA, iCCP and sBIT ignored), bit for bit.
 *
 * <p>Why not libpng: PNG's row filters work byte by byte, and each byte depends only on bytes of the same position
 * within a pixel (the one to its left and the two above). So the bytes that never reach RGB (alpha, the low byte of a
 * 16-bit sample) need not be unfiltered at all. libpng unfilters every byte and then converts; this decoder unfilters
 * only the R, G and B high bytes and averages them straight into the block sums, without ever holding the
 * full-size picture. What remains is zlib's inflate (the JDK's), which both pay alike.
 *
 * <p>It is strict: anything libpng would refuse (a bad IDAT CRC, a broken zlib stream or Adler-32, too few or too
 * many bytes, an unknown row filter) gives null, and the caller hands the bytes to the decoder that reports why.
 * Thread-safe.
 */
final class StreamingPngDecoder {

    /** Rows inflated per call into zlib: a few hundred KB for a 4K picture, so JNI calls stay few. */
    private static final int BAND_ROWS = 16;

    private StreamingPngDecoder() {
    }

    /**
     * The picture averaged in factor x factor blocks exactly as {@link BoxReducer#reduce(RgbImage, int, boolean)}
     * does with halves rounded to even (factor 1: the picture itself), as stored; null when the data cannot be
     * decoded.
     */
    static RgbImage decode(byte[] png, PngHeader header, int factor) {
        if (!header.plain()) {
            throw new IllegalArgumentException("not a plain PNG: " + header);
        }
        SampleLayout layout = layout(header);
        RowSink sink = RowSink.of(header.width(), header.height(), factor, layout);
        Inflater inflater = new Inflater();
        try {
            decodeRows(new ImageData(png, inflater), header, layout, sink);
            return sink.picture();
        } catch (DataFormatException | MalformedImageDataException e) {
            return null;
        } finally {
            inflater.end();
        }
    }

    private static void decodeRows(ImageData data, PngHeader header, SampleLayout layout, RowSink sink)
            throws DataFormatException, MalformedImageDataException {
        int rowBytes = Math.multiplyExact(header.width(), layout.bytesPerPixel());
        int stride = rowBytes + 1; // the filter type byte, then the filtered row
        int height = header.height();
        int bandRows = Math.min(BAND_ROWS, height);
        // Slot 0 holds the row above the band (zeros above the first row); slots 1..bandRows the band itself.
        byte[] band = new byte[Math.multiplyExact(bandRows + 1, stride)];
        for (int y = 0; y < height; y += bandRows) {
            int rows = Math.min(bandRows, height - y);
            if (y > 0) {
                System.arraycopy(band, bandRows * stride, band, 0, stride);
            }
            data.inflate(band, stride, rows * stride);
            for (int r = 1; r <= rows; r++) {
                int row = r * stride;
                RowFilters.undo(band, row, row - stride, rowBytes, layout);
                sink.accept(band, row + 1, y + r - 1);
            }
        }
        data.finish();
    }

    /**
     * Where R, G and B sit in a pixel of each plain kind: the high bytes of 16-bit samples, which PNG stores
     * big-endian; for grey, the grey byte three times.
     */
    static SampleLayout layout(PngHeader header) {
        int bytesPerSample = header.bitDepth() / 8;
        return switch (header.colourType()) {
            case PngHeader.GREY -> SampleLayout.grey(bytesPerSample, 0);
            case PngHeader.GREY_ALPHA -> SampleLayout.grey(2 * bytesPerSample, 0);
            case PngHeader.RGB -> new SampleLayout(3 * bytesPerSample, 0, bytesPerSample);
            case PngHeader.RGBA -> new SampleLayout(4 * bytesPerSample, 0, bytesPerSample);
            default -> throw new IllegalArgumentException("colour type " + header.colourType());
        };
    }

    /**
     * PNG's five row filters, undone in place for the bytes that reach RGB (every byte for None and Up). For colour
     * pictures R, G and B are undone together, pixel by pixel, each lane's left and upper-left bytes kept in locals:
     * three independent dependency chains instead of one, and no reloading of the byte just stored. The loops take the
     * pixel size and step as literals (see {@link SampleLayout#kind()}).
     */
    static final class RowFilters {

        private RowFilters() {
        }

        static void undo(byte[] b, int row, int above, int rowBytes, SampleLayout layout)
                throws MalformedImageDataException {
            int type = b[row];
            int start = row + 1;
            int end = start + rowBytes;
            int shift = above - row; // from a byte to the one above it
            switch (type) {
                case 0 -> {
                }
                case 2 -> {
                    // Every byte: a loop the JIT vectorises beats a strided one over half of them.
                    for (int i = start; i < end; i++) {
                        b[i] += b[i + shift];
                    }
                }
                case 1, 3, 4 -> {
                    switch (layout.bytesPerPixel()) {
                        case 1 -> undoGrey(b, start, end, shift, type, 1);
                        case 2 -> undoGrey(b, start, end, shift, type, 2);
                        case 3 -> undoColour(b, start, end, shift, type, 3, 1);
                        case 4 -> undoColour(b, start, end, shift, type, 4, 1);
                        case 6 -> undoColour(b, start, end, shift, type, 6, 2);
                        default -> undoColour(b, start, end, shift, type, 8, 2);
                    }
                }
                default -> throw new MalformedImageDataException("unknown row filter " + type);
            }
        }

        private static void undoColour(byte[] b, int start, int end, int shift, int type, int bpp, int step) {
            switch (type) {
                case 1 -> undoSub(b, start, end, bpp, step);
                case 3 -> undoAverage(b, start, end, shift, bpp, step);
                default -> undoPaeth(b, start, end, shift, bpp, step);
            }
        }

        // In all three, nothing lies left of the first pixel: its left and upper-left neighbours count as zeros.

        /**
         * Sub alone, for 8-bit colour (3 or 4 bytes per pixel): also TIFF's horizontal differencing predictor, which is
         * the same sum of each byte and the one a pixel to its left.
         */
        static void undoSub(byte[] b, int start, int end, SampleLayout layout) {
            if (layout.kind() == 17) {
                undoSub(b, start, end, 4, 1);
            } else {
                undoSub(b, start, end, 3, 1);
            }
        }

        private static void undoSub(byte[] b, int start, int end, int bpp, int step) {
            int g = step;
            int bl = 2 * step;
            int leftR = 0;
            int leftG = 0;
            int leftB = 0;
            for (int i = start; i < end; i += bpp) {
                leftR = (b[i] + leftR) & 0xFF;
                leftG = (b[i + g] + leftG) & 0xFF;
                leftB = (b[i + bl] + leftB) & 0xFF;
                b[i] = (byte) leftR;
                b[i + g] = (byte) leftG;
                b[i + bl] = (byte) leftB;
            }
        }

        private static void undoAverage(byte[] b, int start, int end, int shift, int bpp, int step) {
            int g = step;
            int bl = 2 * step;
            int leftR = 0;
            int leftG = 0;
            int leftB = 0;
            for (int i = start; i < end; i += bpp) {
                leftR = (b[i] + ((leftR + (b[i + shift] & 0xFF)) >>> 1)) & 0xFF;
                leftG = (b[i + g] + ((leftG + (b[i + g + shift] & 0xFF)) >>> 1)) & 0xFF;
                leftB = (b[i + bl] + ((leftB + (b[i + bl + shift] & 0xFF)) >>> 1)) & 0xFF;
                b[i] = (byte) leftR;
                b[i + g] = (byte) leftG;
                b[i + bl] = (byte) leftB;
            }
        }

        private static void undoPaeth(byte[] b, int start, int end, int shift, int bpp, int step) {
            int g = step;
            int bl = 2 * step;
            int leftR = 0;
            int leftG = 0;
            int leftB = 0;
            int upLeftR = 0;
            int upLeftG = 0;
            int upLeftB = 0;
            for (int i = start; i < end; i += bpp) {
                int upR = b[i + shift] & 0xFF;
                int upG = b[i + g + shift] & 0xFF;
                int upB = b[i + bl + shift] & 0xFF;
                leftR = (b[i] + paeth(leftR, upR, upLeftR)) & 0xFF;
                leftG = (b[i + g] + paeth(leftG, upG, upLeftG)) & 0xFF;
                leftB = (b[i + bl] + paeth(leftB, upB, upLeftB)) & 0xFF;
                b[i] = (byte) leftR;
                b[i + g] = (byte) leftG;
                b[i + bl] = (byte) leftB;
                upLeftR = upR;
                upLeftG = upG;
                upLeftB = upB;
            }
        }

        private static void undoGrey(byte[] b, int start, int end, int shift, int type, int bpp) {
            int left = 0;
            int upLeft = 0;
            for (int i = start; i < end; i += bpp) {
                int up = b[i + shift] & 0xFF;
                int predicted = switch (type) {
                    case 1 -> left;
                    case 3 -> (left + up) >>> 1;
                    default -> paeth(left, up, upLeft);
                };
                left = (b[i] + predicted) & 0xFF;
                b[i] = (byte) left;
                upLeft = up;
            }
        }

        /**
         * The neighbour nearest to left + up - upLeft, ties going to left, then up (the PNG specification's Paeth
         * predictor), without branches: on a noisy render the choice is random, and mispredicted branches cost more
         * than the arithmetic. Each mask is -1 where its comparison fails.
         */
        static int paeth(int left, int up, int upLeft) {
            int pa = Math.abs(up - upLeft);
            int pb = Math.abs(left - upLeft);
            int pc = Math.abs(left + up - 2 * upLeft);
            int upOrUpLeft = up ^ ((up ^ upLeft) & ((pc - pb) >> 31));
            return left ^ ((left ^ upOrUpLeft) & ((Math.min(pb, pc) - pa) >> 31));
        }
    }

    /** The zlib stream spread over the IDAT chunks, inflated on demand; each chunk's CRC checked before use. */
    private static final class ImageData {

        private final byte[] png;
        private final Inflater inflater;
        private final CRC32 crc = new CRC32();
        private int next;
        private boolean started;
        private boolean ended;

        ImageData(byte[] png, Inflater inflater) {
            this.png = png;
            this.inflater = inflater;
            this.next = 8;
        }

        void inflate(byte[] into, int offset, int length) throws DataFormatException, MalformedImageDataException {
            while (length > 0) {
                int got = inflater.inflate(into, offset, length);
                offset += got;
                length -= got;
                if (got == 0) {
                    if (inflater.finished() || inflater.needsDictionary()) {
                        throw new MalformedImageDataException("the image data ends before the last row");
                    }
                    if (inflater.needsInput() && !feedNextChunk()) {
                        throw new MalformedImageDataException("the IDAT chunks end before the last row");
                    }
                }
            }
        }

        /** After the last row: the zlib stream must end (its Adler-32 checked) with no data left over. */
        void finish() throws DataFormatException, MalformedImageDataException {
            byte[] rest = new byte[1];
            while (!inflater.finished()) {
                if (inflater.inflate(rest) > 0) {
                    throw new MalformedImageDataException("more image data than rows");
                }
                if (!inflater.finished() && !(inflater.needsInput() && feedNextChunk())) {
                    throw new MalformedImageDataException("the zlib stream does not end");
                }
            }
            if (inflater.getRemaining() > 0 || feedNextChunk()) {
                throw new MalformedImageDataException("data after the zlib stream");
            }
        }

        /** Hands the next IDAT chunk's data to the inflater; false when the image data has ended. */
        private boolean feedNextChunk() throws MalformedImageDataException {
            while (!ended) {
                if (next + 8 > png.length) {
                    throw new MalformedImageDataException("the file ends inside the chunks");
                }
                long length = u32(next);
                long end = next + 8L + length + 4;
                if (end > png.length) {
                    throw new MalformedImageDataException("a chunk runs past the end of the file");
                }
                int type = next + 4;
                boolean idat = png[type] == 'I' && png[type + 1] == 'D' && png[type + 2] == 'A' && png[type + 3] == 'T';
                int at = next;
                next = (int) end;
                if (!idat) {
                    ended = started; // the IDAT chunks are consecutive: the first other chunk after them ends the data
                    continue;
                }
                started = true;
                crc.reset();
                crc.update(png, type, 4 + (int) length);
                if (crc.getValue() != u32(at + 8 + (int) length)) {
                    throw new MalformedImageDataException("an IDAT chunk's CRC does not match");
                }
                inflater.setInput(png, at + 8, (int) length);
                if (length > 0) {
                    return true;
                }
            }
            return false;
        }

        private long u32(int at) {
            return (png[at] & 0xFFL) << 24 | (png[at + 1] & 0xFFL) << 16 | (png[at + 2] & 0xFFL) << 8
                    | (png[at + 3] & 0xFFL);
        }
    }
}
