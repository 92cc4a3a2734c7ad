package io.cis.worker.image;

/**
 * VP8's boolean entropy decoder (RFC 6386 section 7). Past the end of its partition it reads zeros,
 * as libwebp does, and remembers that it did so the caller can report a truncated file.
 */
final class Vp8BoolDecoder {

    /** libwebp tolerates reading one byte past a partition; the RFC decoder keeps one more in hand. */
    private static final int TOLERATED_OVERRUN = 2;

    private final byte[] data;
    private final int end;
    private int pos;
    private int value;
    private int range = 255;
    private int bitCount;
    private int overrun;

    Vp8BoolDecoder(byte[] data, int start, int end) {
        this.data = data;
        this.pos = start;
        this.end = end;
        this.value = (nextByte() << 8) | nextByte();
    }

    private int nextByte() {
        if (pos < end) {
            return data[pos++] & 0xFF;
        }
        overrun++;
        return 0;
    }

    /** One bit that is 0 with probability {@code prob / 256}. */
    int readBool(int prob) {
        int split = 1 + (((range - 1) * prob) >> 8);
        int bigSplit = split << 8;
        int bit;
        if (value >= bigSplit) {
            bit = 1;
            range -= split;
            value -= bigSplit;
        } else {
            bit = 0;
            range = split;
        }
        while (range < 128) {
            value <<= 1;
            range <<= 1;
            if (++bitCount == 8) {
                bitCount = 0;
                value |= nextByte();
            }
        }
        return bit;
    }

    int readBit() {
        return readBool(128);
    }

    /** An unsigned n-bit number, most significant bit first. */
    int readLiteral(int bits) {
        int v = 0;
        while (bits-- > 0) {
            v = (v << 1) | readBool(128);
        }
        return v;
    }

    /** An n-bit magnitude followed by a sign bit. */
    int readSigned(int bits) {
        int v = readLiteral(bits);
        return readBit() != 0 ? -v : v;
    }

    boolean ranPastEnd() {
        return overrun > TOLERATED_OVERRUN;
    }
}
