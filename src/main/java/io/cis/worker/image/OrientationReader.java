package io.cis.worker.image;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Finds the EXIF Orientation where PIL's {@code Image.getexif()} finds it: a JPEG's APP1 "Exif" segment,
 * a TIFF's first IFD, a WebP "EXIF" chunk, a PNG "eXIf" chunk or ImageMagick's "Raw profile type exif"
 * text, and, for PNG only, {@code tiff:Orientation} in the XMP packet.
 * Metadata is advisory: anything malformed reads as {@link Orientation#NORMAL}, never as an error.
 */
final class OrientationReader {

    static final int ORIENTATION_TAG = 0x0112;
    private static final int MAX_TEXT_BYTES = 1 << 20;
    private static final Pattern XMP_ORIENTATION = Pattern.compile("tiff:Orientation(=\"|>)([0-9])");

    private OrientationReader() {
    }

    static Orientation read(ImageFormat format, byte[] b) {
        try {
            switch (format) {
                case JPEG: return fromJpeg(b);
                case TIFF: return fromTiff(b, 0, b.length);
                case WEBP: return fromWebp(b);
                case PNG: return fromPng(b);
                default: return Orientation.NORMAL;
            }
        } catch (RuntimeException malformed) {
            return Orientation.NORMAL;
        }
    }

    private static Orientation fromJpeg(byte[] b) {
        int pos = 2;
        while (pos + 4 <= b.length) {
            if ((b[pos] & 0xFF) != 0xFF) {
                return Orientation.NORMAL;
            }
            int marker = b[pos + 1] & 0xFF;
            if (marker == 0xFF) {
                pos++;
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) {
                return Orientation.NORMAL;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                pos += 2;
                continue;
            }
            int length = u16be(b, pos + 2);
            int data = pos + 4;
            int end = Math.min(b.length, pos + 2 + length);
            if (marker == 0xE1 && startsWithExifHeader(b, data, end)) {
                return fromTiff(b, data + 6, end);
            }
            pos += 2 + length;
        }
        return Orientation.NORMAL;
    }

    private static Orientation fromWebp(byte[] b) {
        int pos = 12;
        while (pos + 8 <= b.length) {
            int size = (int) Math.min(u32le(b, pos + 4), Integer.MAX_VALUE - 16);
            int data = pos + 8;
            int end = (int) Math.min((long) data + size, b.length);
            if (b[pos] == 'E' && b[pos + 1] == 'X' && b[pos + 2] == 'I' && b[pos + 3] == 'F') {
                int start = startsWithExifHeader(b, data, end) ? data + 6 : data;
                return fromTiff(b, start, end);
            }
            long next = (long) data + size + (size & 1);
            if (next > b.length) {
                break;
            }
            pos = (int) next;
        }
        return Orientation.NORMAL;
    }

    private static Orientation fromPng(byte[] b) {
        int pos = 8;
        String rawProfileExif = null;
        String xmp = null;
        while (pos + 12 <= b.length) {
            long length = u32be(b, pos);
            int data = pos + 8;
            if (length > b.length - data) {
                break;
            }
            int end = data + (int) length;
            String type = new String(b, pos + 4, 4, StandardCharsets.ISO_8859_1);
            if (type.equals("eXIf")) {
                int start = startsWithExifHeader(b, data, end) ? data + 6 : data;
                return fromTiff(b, start, end);
            }
            if (type.equals("tEXt") || type.equals("zTXt") || type.equals("iTXt")) {
                String[] keyAndText = pngText(type, b, data, end);
                if (keyAndText != null && keyAndText[0].equals("Raw profile type exif") && rawProfileExif == null) {
                    rawProfileExif = keyAndText[1];
                } else if (keyAndText != null && keyAndText[0].equals("XML:com.adobe.xmp") && xmp == null) {
                    xmp = keyAndText[1];
                }
            }
            if (type.equals("IEND")) {
                break;
            }
            pos = end + 4;
        }
        Orientation fromExif = null;
        if (rawProfileExif != null) {
            byte[] exif = rawProfileBytes(rawProfileExif);
            int start = startsWithExifHeader(exif, 0, exif.length) ? 6 : 0;
            int tag = orientationTag(exif, start, exif.length);
            if (tag > 0) {
                fromExif = Orientation.fromExif(tag);
            }
        }
        if (fromExif != null) {
            return fromExif;
        }
        if (xmp != null) {
            Matcher m = XMP_ORIENTATION.matcher(xmp);
            if (m.find()) {
                return Orientation.fromExif(Integer.parseInt(m.group(2)));
            }
        }
        return Orientation.NORMAL;
    }

    /** ImageMagick's hex dump: "\nexif\n    1234\n4578..."; PIL joins the lines after the third. */
    private static byte[] rawProfileBytes(String text) {
        String[] lines = text.split("\n", -1);
        StringBuilder hex = new StringBuilder();
        for (int i = 3; i < lines.length; i++) {
            hex.append(lines[i].trim());
        }
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    /** Keyword and text of a PNG text chunk, or null when it cannot be read. */
    private static String[] pngText(String type, byte[] b, int data, int end) {
        int nul = indexOf(b, data, end, (byte) 0);
        if (nul < 0) {
            return null;
        }
        String key = new String(b, data, nul - data, StandardCharsets.ISO_8859_1);
        if (!key.equals("Raw profile type exif") && !key.equals("XML:com.adobe.xmp")) {
            return null;
        }
        switch (type) {
            case "tEXt":
                return new String[] {key, new String(b, nul + 1, end - nul - 1, StandardCharsets.ISO_8859_1)};
            case "zTXt":
                return new String[] {key, new String(inflate(b, nul + 2, end), StandardCharsets.ISO_8859_1)};
            default: {
                boolean compressed = b[nul + 1] != 0;
                int language = indexOf(b, nul + 3, end, (byte) 0);
                int translated = language < 0 ? -1 : indexOf(b, language + 1, end, (byte) 0);
                if (translated < 0) {
                    return null;
                }
                byte[] text = compressed ? inflate(b, translated + 1, end)
                        : java.util.Arrays.copyOfRange(b, translated + 1, end);
                return new String[] {key, new String(text, StandardCharsets.UTF_8)};
            }
        }
    }

    private static byte[] inflate(byte[] b, int from, int to) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(b, from, to - from);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!inflater.finished() && out.size() < MAX_TEXT_BYTES) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            return new byte[0];
        } finally {
            inflater.end();
        }
    }

    private static Orientation fromTiff(byte[] b, int start, int end) {
        int tag = orientationTag(b, start, end);
        return tag > 0 ? Orientation.fromExif(tag) : Orientation.NORMAL;
    }

    /** The Orientation value in the first IFD of a TIFF structure at [start, end), or -1. */
    static int orientationTag(byte[] b, int start, int end) {
        if (end - start < 8) {
            return -1;
        }
        boolean little;
        if (b[start] == 'I' && b[start + 1] == 'I') {
            little = true;
        } else if (b[start] == 'M' && b[start + 1] == 'M') {
            little = false;
        } else {
            return -1;
        }
        int magic = u16(b, start + 2, little);
        if (magic == 43) {
            return bigTiffOrientationTag(b, start, end, little);
        }
        long ifd = u32(b, start + 4, little);
        if (magic != 42 || ifd < 8 || ifd > end - start - 2) {
            return -1;
        }
        int pos = start + (int) ifd;
        int entries = u16(b, pos, little);
        for (int i = 0; i < entries; i++) {
            int entry = pos + 2 + 12 * i;
            if (entry + 12 > end) {
                return -1;
            }
            if (u16(b, entry, little) == ORIENTATION_TAG) {
                int type = u16(b, entry + 2, little);
                if (type == 3) {
                    return u16(b, entry + 8, little);
                }
                if (type == 4) {
                    return (int) u32(b, entry + 8, little);
                }
                return -1;
            }
        }
        return -1;
    }

    private static int bigTiffOrientationTag(byte[] b, int start, int end, boolean little) {
        long ifd = u32(b, start + 8, little) | (u32(b, start + 12, little) << 32);
        if (ifd < 16 || ifd > end - start - 8) {
            return -1;
        }
        int pos = start + (int) ifd;
        long entries = u32(b, pos, little) | (u32(b, pos + 4, little) << 32);
        for (long i = 0; i < entries; i++) {
            long entry = pos + 8 + 20 * i;
            if (entry + 20 > end) {
                return -1;
            }
            int e = (int) entry;
            if (u16(b, e, little) == ORIENTATION_TAG) {
                int type = u16(b, e + 2, little);
                if (type == 3) {
                    return u16(b, e + 12, little);
                }
                if (type == 4) {
                    return (int) u32(b, e + 12, little);
                }
                return -1;
            }
        }
        return -1;
    }

    private static boolean startsWithExifHeader(byte[] b, int from, int end) {
        return end - from >= 6 && b[from] == 'E' && b[from + 1] == 'x' && b[from + 2] == 'i'
                && b[from + 3] == 'f' && b[from + 4] == 0 && b[from + 5] == 0;
    }

    private static int indexOf(byte[] b, int from, int end, byte value) {
        for (int i = from; i < end; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }

    static int u16(byte[] b, int p, boolean little) {
        return little ? (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 : u16be(b, p);
    }

    static long u32(byte[] b, int p, boolean little) {
        return little ? u32le(b, p) : u32be(b, p);
    }

    private static int u16be(byte[] b, int p) {
        return (b[p] & 0xFF) << 8 | (b[p + 1] & 0xFF);
    }

    static long u32le(byte[] b, int p) {
        return (b[p] & 0xFFL) | (b[p + 1] & 0xFFL) << 8 | (b[p + 2] & 0xFFL) << 16 | (b[p + 3] & 0xFFL) << 24;
    }

    static long u32be(byte[] b, int p) {
        return (b[p] & 0xFFL) << 24 | (b[p + 1] & 0xFFL) << 16 | (b[p + 2] & 0xFFL) << 8 | (b[p + 3] & 0xFFL);
    }
}
