package io.cis.worker.image;

/**
 * Finds the VP8 (lossy) bitstream in a WebP's RIFF container: the "VP8 " chunk of a simple file or of an
 * extended (VP8X) still image. Lossless (VP8L) and animated files are left to TwelveMonkeys, whose
 * lossless decoder is exact. An alpha channel ("ALPH") is not read at all: PIL's convert("RGB") drops it.
 */
final class WebpLossy {

    private static final int VP8X_ANIMATION = 0x02;

    private WebpLossy() {
    }

    /** Offset and length of the "VP8 " chunk payload, or null when the file is not a lossy still image. */
    static int[] findVp8Chunk(byte[] b) {
        int pos = 12;
        boolean first = true;
        while (pos + 8 <= b.length) {
            String fourCc = new String(b, pos, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            long size = OrientationReader.u32le(b, pos + 4);
            int data = pos + 8;
            if (first && fourCc.equals("VP8X") && size >= 1 && data < b.length
                    && (b[data] & VP8X_ANIMATION) != 0) {
                return null;
            }
            if (fourCc.equals("VP8L")) {
                return null;
            }
            if (fourCc.equals("VP8 ")) {
                return new int[] {data, (int) Math.min(size, b.length - data)};
            }
            first = false;
            long next = data + size + (size & 1);
            if (next > b.length) {
                return null;
            }
            pos = (int) next;
        }
        return null;
    }

    static RgbImage decode(byte[] b, int[] chunk, DecodeLimits limits) throws ImageDecodeException {
        return FancyYuvToRgb.convert(Vp8Decoder.decode(b, chunk[0], chunk[1], limits));
    }
}
