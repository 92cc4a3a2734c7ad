package io.cis.worker.image;

import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A {@link TiffHeader#plain(long) plain} TIFF (8- or 16-bit RGB or RGBA in strips; uncompressed, LZW or Deflate;
 * with or without horizontal differencing) decoded strip by strip in Java, optionally averaged in n x n blocks as
 * the rows arrive, with {@link ImageDecoder#decode}'s pixels (PIL's {@code convert("RGB")}: alpha dropped, 16-bit
 * samples cut to their high byte), bit for bit.
 *
 * <p>Why: ImageIO's TIFF path inflates into a 16-bit raster, copies it sample by sample through the AWT raster
 * classes and converts it again: less than half its time is the inflate. Here a Deflate strip is inflated a band of
 * rows at a time, the predictor is undone for R, G and B only, and the rows go straight into the block sums, so
 * neither a full-size raster nor the full-size picture is ever held (an LZW strip is decoded whole).
 *
 * <p>Strict: a strip that decodes to fewer bytes than its rows (or, for Deflate, more), a broken zlib or LZW stream,
 * or data past the end of the file gives null, and the caller hands the bytes to ImageIO, which reports or decodes
 * them as before. LZW codes after a strip's last row are ignored, as libtiff ignores them.
 * Thread-safe.
 */
final class StreamingTiffDecoder {

    /** Rows inflated per call into zlib. */
    private static final int BAND_ROWS = 16;

    private StreamingTiffDecoder() {
    }

    /**
     * The picture averaged in factor x factor blocks exactly as {@link BoxReducer#reduce(RgbImage, int, boolean)}
     * does with halves rounded to even (factor 1: the picture itself); null when the data cannot be decoded.
     */
    static RgbImage decode(byte[] tiff, TiffHeader header, int factor) {
        if (!header.plain(tiff.length)) {
            throw new IllegalArgumentException("not a plain TIFF: " + header);
        }
        SampleLayout layout = layout(header);
        RowSink sink = RowSink.of(header.width(), header.height(), factor, layout);
        try {
            new Strips(tiff, header, layout, sink).decode();
            return sink.picture();
        } catch (MalformedImageDataException | DataFormatException e) {
            return null;
        }
    }

    /** R, G and B: 8-bit samples, or the high byte of 16-bit ones (the second byte of each when little-endian). */
    static SampleLayout layout(TiffHeader header) {
        int bytesPerSample = header.bitsPerSample() / 8;
        int high = header.littleEndian() ? bytesPerSample - 1 : 0;
        return new SampleLayout(header.bytesPerPixel(), high, bytesPerSample);
    }

    /** The strips, top to bottom, each decoded into rows that go to the sink. */
    private static final class Strips {

        private final byte[] tiff;
        private final TiffHeader header;
        private final RowSink sink;
        private final SampleLayout layout;
        private final int rowBytes;
        private byte[] buffer = new byte[0];
        private int y;

        Strips(byte[] tiff, TiffHeader header, SampleLayout layout, RowSink sink) {
            this.tiff = tiff;
            this.header = header;
            this.sink = sink;
            this.layout = layout;
            this.rowBytes = Math.multiplyExact(header.width(), header.bytesPerPixel());
        }

        void decode() throws MalformedImageDataException, DataFormatException {
            Inflater inflater = header.compression() == TiffHeader.DEFLATE
                    || header.compression() == TiffHeader.DEFLATE_OLD ? new Inflater() : null;
            TiffLzw lzw = header.compression() == TiffHeader.LZW ? new TiffLzw() : null;
            try {
                for (int s = 0; s < header.stripOffsets().length; s++) {
                    int from = (int) header.stripOffsets()[s];
                    int length = (int) header.stripLengths()[s];
                    int rows = header.rowsIn(s);
                    if (inflater != null) {
                        inflate(inflater, from, length, rows);
                    } else if (lzw != null) {
                        int size = Math.multiplyExact(rows, rowBytes);
                        lzw.decode(tiff, from, length, buffer(size), size);
                        rows(buffer, rows);
                    } else {
                        int size = Math.multiplyExact(rows, rowBytes);
                        if (length < size) {
                            throw new MalformedImageDataException("an uncompressed strip is short");
                        }
                        System.arraycopy(tiff, from, buffer(size), 0, size);
                        rows(buffer, rows);
                    }
                }
            } finally {
                if (inflater != null) {
                    inflater.end();
                }
            }
        }

        /** A strip's zlib stream, a band of rows at a time; it must end, Adler-32 checked, right after its last row. */
        private void inflate(Inflater inflater, int from, int length, int rows)
                throws MalformedImageDataException, DataFormatException {
            inflater.reset();
            inflater.setInput(tiff, from, length);
            int bandRows = Math.min(BAND_ROWS, rows);
            byte[] band = buffer(bandRows * rowBytes);
            for (int done = 0; done < rows; done += bandRows) {
                int n = Math.min(bandRows, rows - done);
                for (int o = 0, end = n * rowBytes; o < end; ) {
                    int got = inflater.inflate(band, o, end - o);
                    if (got == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                        throw new MalformedImageDataException("a Deflate strip ends before its last row");
                    }
                    o += got;
                }
                rows(band, n);
            }
            byte[] rest = new byte[1];
            if (inflater.inflate(rest) > 0 || !inflater.finished()) {
                throw new MalformedImageDataException("a Deflate strip does not end after its last row");
            }
        }

        private void rows(byte[] data, int rows) {
            for (int r = 0, offset = 0; r < rows; r++, offset += rowBytes) {
                if (header.predictor() == 2) {
                    undoHorizontalDifferencing(data, offset);
                }
                sink.accept(data, offset, y++);
            }
        }

        /** TIFF's predictor 2: each sample was stored as its difference from the same sample a pixel to the left. */
        private void undoHorizontalDifferencing(byte[] b, int start) {
            int end = start + rowBytes;
            if (header.bitsPerSample() == 8) {
                StreamingPngDecoder.RowFilters.undoSub(b, start, end, layout);
            } else if (header.bytesPerPixel() == 8) {
                undoHorizontal16(b, start, end, 8, header.littleEndian());
            } else {
                undoHorizontal16(b, start, end, 6, header.littleEndian());
            }
        }

        /** 16-bit sums carry from the low byte to the high one; only R, G and B's high bytes are written back. */
        private static void undoHorizontal16(byte[] b, int start, int end, int bpp, boolean little) {
            int hi = little ? 1 : 0;
            int lo = 1 - hi;
            int r = 0;
            int g = 0;
            int bl = 0;
            for (int i = start; i < end; i += bpp) {
                r = (r + ((b[i + hi] & 0xFF) << 8 | (b[i + lo] & 0xFF))) & 0xFFFF;
                g = (g + ((b[i + 2 + hi] & 0xFF) << 8 | (b[i + 2 + lo] & 0xFF))) & 0xFFFF;
                bl = (bl + ((b[i + 4 + hi] & 0xFF) << 8 | (b[i + 4 + lo] & 0xFF))) & 0xFFFF;
                b[i + hi] = (byte) (r >>> 8);
                b[i + 2 + hi] = (byte) (g >>> 8);
                b[i + 4 + hi] = (byte) (bl >>> 8);
            }
        }

        private byte[] buffer(int size) {
            if (buffer.length < size) {
                buffer = new byte[size];
            }
            return buffer;
        }
    }
}
