package io.cis.worker.image;

import java.nio.charset.StandardCharsets;

/**
 * Finds the VP8 (lossy) bitstream in a WebP's RIFF container: the "VP8 " chunk of a simple file, of an
 * extended (VP8X) still image, or of the first frame (ANMF) of an animation. Files whose picture is
 * lossless (VP8L) are left to TwelveMonkeys, whose lossless decoder is exact. An alpha channel ("ALPH")
 * is not read: PIL's convert("RGB") drops it.
 *
 * <p>For an animation PIL shows the first frame the way libwebp's WebPAnimDecoder composes it: on the
 * canvas, zero-filled (black once alpha is dropped), at the frame's offset, without blending.
 */
final class WebpLossy {

    private static final int VP8X_ANIMATION = 0x02;

    private final int canvasWidth;
    private final int canvasHeight;
    private final int frameLeft;
    private final int frameTop;
    private final int vp8Start;
    private final int vp8Length;

    private WebpLossy(int canvasWidth, int canvasHeight, int frameLeft, int frameTop, int vp8Start, int vp8Length) {
        this.canvasWidth = canvasWidth;
        this.canvasHeight = canvasHeight;
        this.frameLeft = frameLeft;
        this.frameTop = frameTop;
        this.vp8Start = vp8Start;
        this.vp8Length = vp8Length;
    }

    /** The lossy picture in a WebP file, or null when the file's (first) picture is lossless. */
    static WebpLossy find(byte[] b) {
        int pos = 12;
        boolean animated = false;
        int canvasWidth = 0;
        int canvasHeight = 0;
        while (pos + 8 <= b.length) {
            String fourCc = new String(b, pos, 4, StandardCharsets.ISO_8859_1);
            long size = OrientationReader.u32le(b, pos + 4);
            int data = pos + 8;
            int end = (int) Math.min(data + size, b.length);
            if (fourCc.equals("VP8X") && end - data >= 10) {
                animated = (b[data] & VP8X_ANIMATION) != 0;
                canvasWidth = u24(b, data + 4) + 1;
                canvasHeight = u24(b, data + 7) + 1;
            } else if (fourCc.equals("VP8L")) {
                return null;
            } else if (fourCc.equals("VP8 ") && !animated) {
                return new WebpLossy(0, 0, 0, 0, data, end - data);
            } else if (fourCc.equals("ANMF") && animated) {
                return firstFrame(b, data, end, canvasWidth, canvasHeight);
            }
            long next = data + size + (size & 1);
            if (next > b.length) {
                return null;
            }
            pos = (int) next;
        }
        return null;
    }

    private static WebpLossy firstFrame(byte[] b, int data, int end, int canvasWidth, int canvasHeight) {
        if (end - data < 16) {
            return null;
        }
        int left = 2 * u24(b, data);
        int top = 2 * u24(b, data + 3);
        int pos = data + 16;
        while (pos + 8 <= end) {
            String fourCc = new String(b, pos, 4, StandardCharsets.ISO_8859_1);
            long size = OrientationReader.u32le(b, pos + 4);
            if (fourCc.equals("VP8 ")) {
                int start = pos + 8;
                return new WebpLossy(canvasWidth, canvasHeight, left, top, start,
                        (int) Math.min(size, end - start));
            }
            if (fourCc.equals("VP8L")) {
                return null;
            }
            long next = pos + 8L + size + (size & 1);
            if (next > end) {
                return null;
            }
            pos = (int) next;
        }
        return null;
    }

    RgbImage decode(byte[] b, DecodeLimits limits) throws ImageDecodeException {
        if (canvasWidth > 0) {
            limits.check(canvasWidth, canvasHeight);
        }
        RgbImage frame = FancyYuvToRgb.convert(Vp8Decoder.decode(b, vp8Start, vp8Length, limits));
        boolean wholeCanvas = canvasWidth == 0
                || (frameLeft == 0 && frameTop == 0 && frame.width() == canvasWidth && frame.height() == canvasHeight);
        return wholeCanvas ? frame : paste(frame);
    }

    private RgbImage paste(RgbImage frame) throws ImageDecodeException {
        if (frameLeft + frame.width() > canvasWidth || frameTop + frame.height() > canvasHeight) {
            throw new ImageDecodeException(ImageDecodeException.Reason.CORRUPT,
                    "WebP animation frame " + frame.width() + "x" + frame.height() + " at " + frameLeft + ","
                            + frameTop + " does not fit its " + canvasWidth + "x" + canvasHeight + " canvas");
        }
        byte[] canvas = new byte[Math.multiplyExact(Math.multiplyExact(canvasWidth, canvasHeight), 3)];
        int rowBytes = frame.width() * 3;
        for (int y = 0; y < frame.height(); y++) {
            System.arraycopy(frame.rgb(), y * rowBytes, canvas, ((frameTop + y) * canvasWidth + frameLeft) * 3,
                    rowBytes);
        }
        return new RgbImage(canvasWidth, canvasHeight, canvas);
    }

    private static int u24(byte[] b, int p) {
        return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 | (b[p + 2] & 0xFF) << 16;
    }
}
