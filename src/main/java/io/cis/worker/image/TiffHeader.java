package io.cis.worker.image;

import static io.cis.worker.image.OrientationReader.u16;
import static io.cis.worker.image.OrientationReader.u32;

/**
 * What a classic TIFF's first directory (the image PIL and ImageIO read) declares about its pixels and their strips,
 * read from the bytes alone. A file whose directory cannot be read is not {@link #plain(long) plain}.
 *
 * @param extraSample   the first ExtraSamples value (2: unassociated alpha), -1 when none are declared
 * @param stripOffsets  where each strip's data starts, top to bottom
 * @param stripLengths  each strip's stored length in bytes
 */
record TiffHeader(int width, int height, int bitsPerSample, boolean mixedBits, int samplesPerPixel, int compression,
                  int predictor, int planarConfiguration, int photometric, int extraSample, int sampleFormat,
                  int orientation, boolean tiled, boolean littleEndian, long rowsPerStrip, long[] stripOffsets,
                  long[] stripLengths) {

    static final int NO_COMPRESSION = 1;
    static final int LZW = 5;
    static final int DEFLATE = 8;
    static final int DEFLATE_OLD = 32946;

    private static final TiffHeader UNREADABLE = new TiffHeader(0, 0, 0, true, 0, 0, 0, 0, 0, -1, 0, 0, false, false,
            0, new long[0], new long[0]);

    private static final int SHORT = 3;
    private static final int LONG = 4;

    static TiffHeader read(byte[] b) {
        if (b.length < 8 || !(b[0] == 'I' && b[1] == 'I' || b[0] == 'M' && b[1] == 'M')) {
            return UNREADABLE;
        }
        boolean little = b[0] == 'I';
        long ifd = u32(b, 4, little);
        if (u16(b, 2, little) != 42 || ifd < 8 || ifd + 2 > b.length) {
            return UNREADABLE; // BigTIFF (43) and broken files take the ImageIO path
        }
        int entries = u16(b, (int) ifd, little);
        if (ifd + 2 + 12L * entries > b.length) {
            return UNREADABLE;
        }
        long width = 0;
        long height = 0;
        long[] bits = {1};
        long samples = 1;
        long compression = NO_COMPRESSION;
        long predictor = 1;
        long planar = 1;
        long photometric = -1;
        long extra = -1;
        long format = 1;
        long orientation = 1;
        boolean tiled = false;
        long rowsPerStrip = Integer.MAX_VALUE;
        long[] offsets = null;
        long[] lengths = null;
        for (int i = 0; i < entries; i++) {
            int entry = (int) ifd + 2 + 12 * i;
            long[] v = values(b, entry, little);
            if (v == null) {
                continue; // a type these pixels never need (text, rationals)
            }
            int tag = u16(b, entry, little);
            switch (tag) {
                case 256 -> width = first(v);
                case 257 -> height = first(v);
                case 258 -> bits = v;
                case 259 -> compression = first(v);
                case 262 -> photometric = first(v);
                case 273 -> offsets = v;
                case 274 -> orientation = first(v);
                case 277 -> samples = first(v);
                case 278 -> rowsPerStrip = first(v);
                case 279 -> lengths = v;
                case 284 -> planar = first(v);
                case 317 -> predictor = first(v);
                case 322, 323, 324, 325 -> tiled = true;
                case 338 -> extra = first(v);
                case 339 -> format = first(v);
                default -> {
                }
            }
        }
        if (width < 1 || height < 1 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE || offsets == null
                || lengths == null || offsets.length != lengths.length || bits.length == 0) {
            return UNREADABLE;
        }
        boolean mixed = false;
        for (long bit : bits) {
            mixed |= bit != bits[0];
        }
        return new TiffHeader((int) width, (int) height, (int) bits[0], mixed, (int) samples, (int) compression,
                (int) predictor, (int) planar, (int) photometric, (int) extra, (int) format, (int) orientation, tiled,
                little, rowsPerStrip, offsets, lengths);
    }

    /**
     * 8- or 16-bit unsigned RGB, with or without unassociated alpha, interleaved, in strips that lie inside the file
     * and cover every row; uncompressed, LZW or Deflate, with no predictor or with horizontal differencing; not turned by
     * an Orientation tag. What Blender, Nuke, Photoshop and libtiff write for renders; everything else takes the
     * ImageIO path.
     */
    boolean plain(long fileLength) {
        boolean kind = photometric == 2 && (bitsPerSample == 8 || bitsPerSample == 16) && !mixedBits
                && sampleFormat == 1 && (samplesPerPixel == 3 && extraSample == -1
                || samplesPerPixel == 4 && extraSample == 2);
        boolean coding = (compression == NO_COMPRESSION || compression == LZW || compression == DEFLATE
                || compression == DEFLATE_OLD) && (predictor == 1 || predictor == 2);
        return kind && coding && planarConfiguration == 1 && orientation == 1 && !tiled && stripsInside(fileLength);
    }

    int bytesPerPixel() {
        return samplesPerPixel * bitsPerSample / 8;
    }

    /** Rows in strip i (the last one may be short). */
    int rowsIn(int strip) {
        long first = strip * rowsPerStrip;
        return (int) Math.min(rowsPerStrip, height - first);
    }

    private boolean stripsInside(long fileLength) {
        if (rowsPerStrip < 1 || stripOffsets.length != (height + rowsPerStrip - 1) / rowsPerStrip) {
            return false;
        }
        for (int i = 0; i < stripOffsets.length; i++) {
            if (stripOffsets[i] < 8 || stripLengths[i] < 0 || stripOffsets[i] + stripLengths[i] > fileLength) {
                return false;
            }
        }
        return true;
    }

    /** A SHORT or LONG entry's values (inline or at their offset); null for other types or values outside the file. */
    private static long[] values(byte[] b, int entry, boolean little) {
        int type = u16(b, entry + 2, little);
        long count = u32(b, entry + 4, little);
        int size = type == SHORT ? 2 : type == LONG ? 4 : 0;
        if (size == 0 || count < 1 || count > (b.length / size)) {
            return null;
        }
        long at = size * count <= 4 ? entry + 8 : u32(b, entry + 8, little);
        if (at + size * count > b.length) {
            return null;
        }
        long[] v = new long[(int) count];
        for (int i = 0; i < v.length; i++) {
            int p = (int) at + i * size;
            v[i] = size == 2 ? u16(b, p, little) : u32(b, p, little);
        }
        return v;
    }

    private static long first(long[] v) {
        return v[0];
    }
}
