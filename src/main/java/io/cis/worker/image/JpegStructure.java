package io.cis.worker.image;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Whether a JPEG's marker structure is intact, from the first marker to EOI: what the scaled libjpeg-turbo path
 * ({@link Downscale#DCT}) needs before it may decode the file. OpenCV, through which that path calls libjpeg-turbo,
 * keeps going past libjpeg's "corrupt data" warnings where ImageIO refuses the file (a stray marker) or reports it as
 * truncated; a file that fails this check therefore takes the ImageIO path, which refuses it, or not, exactly as it
 * always has. Damage inside the entropy-coded data that leaves the structure intact (a bad Huffman code) is only a
 * warning on both paths.
 */
final class JpegStructure {

    private static final int EOI = 0xD9;
    private static final int SOS = 0xDA;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private JpegStructure() {
    }

    /**
     * True when, after SOI, there are only known marker segments, each scan's data holds nothing but stuffed bytes
     * and restart markers in sequence, and an EOI follows the last scan (what comes after EOI is ignored, as libjpeg
     * ignores it).
     */
    static boolean intact(byte[] b) {
        int pos = 2;
        while (pos + 1 < b.length) {
            if ((b[pos] & 0xFF) != 0xFF) {
                return false; // bytes between segments: libjpeg warns of extraneous data
            }
            while (pos + 1 < b.length && (b[pos + 1] & 0xFF) == 0xFF) {
                pos++; // fill bytes before a marker
            }
            if (pos + 1 >= b.length) {
                return false;
            }
            int marker = b[pos + 1] & 0xFF;
            if (marker == EOI) {
                return true;
            }
            if (!knownSegment(marker) || pos + 4 > b.length) {
                return false;
            }
            int end = pos + 2 + ((b[pos + 2] & 0xFF) << 8 | (b[pos + 3] & 0xFF));
            if (end > b.length) {
                return false;
            }
            pos = marker == SOS ? endOfScanData(b, end) : end;
            if (pos < 0) {
                return false;
            }
        }
        return false; // no EOI: the data ends early
    }

    /** Segments with a length that a baseline or progressive Huffman JPEG may hold. */
    private static boolean knownSegment(int marker) {
        boolean frameOrTables = marker >= 0xC0 && marker <= 0xCF && marker != 0xC8; // SOFn, DHT, DAC
        boolean scanOrTables = marker >= 0xDA && marker <= 0xDF; // SOS, DQT, DNL, DRI, DHP, EXP
        boolean applicationOrComment = marker >= 0xE0 && marker <= 0xEF || marker == 0xFE;
        return frameOrTables || scanOrTables || applicationOrComment;
    }

    /**
     * The index of the first 0xFF byte at or after pos, or b.length. Scan data is nearly all of a JPEG and 0xFF is
     * rare in it, so this reads eight bytes at a time and tests them all at once (a byte is 0xFF exactly when its
     * complement is zero; the classic has-zero-byte bit trick), which took the check of a 1 MB photo from 1.9 ms to
     * a fraction of that.
     */
    static int nextFf(byte[] b, int pos) {
        while (pos + Long.BYTES <= b.length) {
            long inverted = ~(long) LONGS.get(b, pos);
            if (((inverted - 0x0101010101010101L) & ~inverted & 0x8080808080808080L) != 0) {
                break; // some byte of these eight is 0xFF: find it one byte at a time
            }
            pos += Long.BYTES;
        }
        while (pos < b.length && b[pos] != (byte) 0xFF) {
            pos++;
        }
        return pos;
    }

    /** Where the marker that ends the scan data starting at pos begins; -1 when the data is damaged or ends. */
    private static int endOfScanData(byte[] b, int pos) {
        int nextRestart = 0;
        while (pos < b.length) {
            pos = nextFf(b, pos);
            if (pos >= b.length) {
                break;
            }
            int start = pos;
            while (pos + 1 < b.length && b[pos + 1] == (byte) 0xFF) {
                pos++;
            }
            if (pos + 1 >= b.length) {
                return -1;
            }
            int next = b[pos + 1] & 0xFF;
            if (next == 0) {
                pos += 2; // a stuffed 0xFF data byte
            } else if (next >= 0xD0 && next <= 0xD7) {
                if (next - 0xD0 != nextRestart) {
                    return -1; // libjpeg would have to resynchronise
                }
                nextRestart = (nextRestart + 1) & 7;
                pos += 2;
            } else {
                return start;
            }
        }
        return -1;
    }
}
