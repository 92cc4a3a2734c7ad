package io.cis.worker.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** EXIF segments made by hand, for orientation tests. */
public final class ExifSegments {

    private ExifSegments() {
    }

    /** "Exif\0\0" + a TIFF structure whose first IFD holds one Orientation entry of the given type. */
    public static byte[] exif(boolean littleEndian, int type, int value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(littleEndian ? new byte[] {'I', 'I'} : new byte[] {'M', 'M'});
        write(out, 42, 2, littleEndian);
        write(out, 8, 4, littleEndian);
        write(out, 1, 2, littleEndian);
        write(out, 0x0112, 2, littleEndian);
        write(out, type, 2, littleEndian);
        write(out, 1, 4, littleEndian);
        if (type == 3) {
            write(out, value, 2, littleEndian);
            write(out, 0, 2, littleEndian);
        } else {
            write(out, value, 4, littleEndian);
        }
        write(out, 0, 4, littleEndian);
        return out.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, int value, int bytes, boolean littleEndian) {
        for (int i = 0; i < bytes; i++) {
            int shift = littleEndian ? 8 * i : 8 * (bytes - 1 - i);
            out.write(value >>> shift);
        }
    }

    /** The JPEG with an EXIF APP1 segment holding this Orientation value (1-8) right after its SOI marker. */
    public static byte[] withOrientation(byte[] jpeg, int orientation) {
        return withApp1(exif(false, 3, orientation), java.util.Arrays.copyOfRange(jpeg, 2, jpeg.length));
    }

    /** SOI, an APP1 segment with this payload, then {@code rest} (the markers after SOI). */
    public static byte[] withApp1(byte[] payload, byte[] rest) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1});
        int length = payload.length + 2;
        out.write(length >> 8);
        out.write(length);
        out.writeBytes(payload);
        out.writeBytes(rest);
        return out.toByteArray();
    }
}
