package io.cis.worker.image;

/**
 * TIFF's LZW (codes of 9 to 12 bits, most significant bit first, "early change" as libtiff writes and reads it),
 * decoding one strip into an array of the size its rows need and stopping there, as libtiff does. Strict as libtiff
 * is: a code outside the table, a table that overflows, or a strip that ends before its rows are full is malformed. The old,
 * pre-TIFF-6 bit order is not supported (the caller falls back to ImageIO).
 */
final class TiffLzw {

    private static final int CLEAR = 256;
    private static final int END = 257;
    private static final int FIRST_FREE = 258;
    private static final int TABLE_SIZE = 4096;

    private final int[] prefix = new int[TABLE_SIZE];
    private final byte[] suffix = new byte[TABLE_SIZE];
    private final byte[] firstByte = new byte[TABLE_SIZE];
    private final int[] length = new int[TABLE_SIZE];

    TiffLzw() {
        for (int i = 0; i < 256; i++) {
            suffix[i] = (byte) i;
            firstByte[i] = (byte) i;
            length[i] = 1;
        }
    }

    /** Decodes {@code in[from, from + count)} into exactly {@code out[0, outLength)}. */
    void decode(byte[] in, int from, int count, byte[] out, int outLength) throws MalformedImageDataException {
        if (count >= 2 && in[from] == 0 && (in[from + 1] & 1) == 1) {
            throw new MalformedImageDataException("old-style LZW (bits in the other order)");
        }
        long bitBuffer = 0;
        int bits = 0;
        int p = from;
        int end = from + count;
        int width = 9;
        int next = FIRST_FREE;
        int previous = -1;
        int o = 0;
        while (true) {
            while (bits < width) {
                if (p >= end) {
                    throw new MalformedImageDataException("LZW data ends without an end code");
                }
                bitBuffer = bitBuffer << 8 | (in[p++] & 0xFF);
                bits += 8;
            }
            int code = (int) (bitBuffer >>> (bits - width)) & ((1 << width) - 1);
            bits -= width;
            if (code == END) {
                break;
            }
            if (code == CLEAR) {
                width = 9;
                next = FIRST_FREE;
                previous = -1;
                continue;
            }
            int written;
            if (code < next) {
                written = write(code, out, o, outLength);
                if (previous >= 0) {
                    next = add(previous, firstByte[code], next);
                }
            } else if (code == next && previous >= 0) {
                next = add(previous, firstByte[previous], next); // the string just being defined (KwKwK)
                written = write(code, out, o, outLength);
            } else {
                throw new MalformedImageDataException("LZW code " + code + " outside its table of " + next);
            }
            o += written;
            if (o == outLength) {
                return;
            }
            previous = code;
            if (next >= (1 << width) - 1 && width < 12) {
                width++;
            }
        }
        if (o != outLength) {
            throw new MalformedImageDataException("an LZW strip holds " + o + " bytes, its rows " + outLength);
        }
    }

    private int add(int previous, byte last, int next) throws MalformedImageDataException {
        if (next >= TABLE_SIZE) {
            throw new MalformedImageDataException("LZW table overflows");
        }
        prefix[next] = previous;
        suffix[next] = last;
        firstByte[next] = firstByte[previous];
        length[next] = length[previous] + 1;
        return next + 1;
    }

    /**
     * Writes the string of {@code code} at {@code o}, last byte first along the prefix chain; only as much of it as
     * fits, as libtiff stops once a strip's rows are full and ignores any codes after them.
     */
    private int write(int code, byte[] out, int o, int outLength) {
        int n = length[code];
        int c = code;
        for (int skip = o + n - outLength; skip > 0; skip--) {
            c = prefix[c];
        }
        int last = Math.min(o + n, outLength) - 1;
        for (int i = last; i >= o; i--) {
            out[i] = suffix[c];
            c = prefix[c];
        }
        return last + 1 - o;
    }
}
