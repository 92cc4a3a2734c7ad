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

    /*
     * Each table entry is the previous code's string plus the first byte of the string after it, and those two were
     * written next to each other: so every entry is a run of the output already written, kept as its start and
     * length, and a code is written with one array copy instead of a walk along a chain of prefixes.
     */
    private final int[] start = new int[TABLE_SIZE];
    private final int[] length = new int[TABLE_SIZE];

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
        int previousStart = -1; // where the previous code's string was written; -1 right after a clear code
        int previousLength = 0;
        int o = 0;
        while (true) {
            while (bits < width) {
                if (p >= end) {
                    throw new MalformedImageDataException("LZW data ends before the strip's rows are full");
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
                previousStart = -1;
                continue;
            }
            int written;
            if (code < 256) {
                out[o] = (byte) code;
                written = 1;
            } else if (code < next) {
                written = Math.min(length[code], outLength - o);
                System.arraycopy(out, start[code], out, o, written);
            } else if (code == next && previousStart >= 0) {
                // The string being defined (KwKwK): the previous string and its own first byte.
                written = Math.min(previousLength + 1, outLength - o);
                System.arraycopy(out, previousStart, out, o, Math.min(previousLength, written));
                if (written > previousLength) {
                    out[o + previousLength] = out[previousStart];
                }
            } else {
                throw new MalformedImageDataException("LZW code " + code + " outside its table of " + next);
            }
            if (previousStart >= 0) {
                if (next >= TABLE_SIZE) {
                    throw new MalformedImageDataException("LZW table overflows");
                }
                start[next] = previousStart;
                length[next] = previousLength + 1;
                next++;
            }
            previousStart = o;
            previousLength = written;
            o += written;
            if (o == outLength) {
                return; // as libtiff: the rows are full, whatever codes follow
            }
            if (next >= (1 << width) - 1 && width < 12) {
                width++;
            }
        }
        if (o != outLength) {
            throw new MalformedImageDataException("an LZW strip holds " + o + " bytes, its rows " + outLength);
        }
    }
}
