package io.cis.worker.image;

/**
 * libwebp's default YUV 4:2:0 to RGB output ("fancy upsampling"): each chroma sample is interpolated
 * from its four nearest neighbours with weights 9-3-3-1 (computed with libwebp's exact rounding), and the
 * colour conversion is libwebp's fixed-point BT.601 with 14-bit precision. Pillow decodes WebP this way.
 */
final class FancyYuvToRgb {

    private FancyYuvToRgb() {
    }

    static RgbImage convert(Vp8Decoder.Planes planes) {
        int w = planes.width;
        int h = planes.height;
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        // The first row mirrors its chroma row; then rows go in pairs (2k-1, 2k) between chroma rows k-1, k.
        upsampleLinePair(planes, 0, -1, 0, 0, out, w);
        int y = 0;
        for (; y + 2 < h; y += 2) {
            upsampleLinePair(planes, y + 1, y + 2, y / 2, y / 2 + 1, out, w);
        }
        if ((h & 1) == 0) {
            // The last row of an even-height picture mirrors the last chroma row.
            upsampleLinePair(planes, y + 1, -1, y / 2, y / 2, out, w);
        }
        return new RgbImage(w, h, out);
    }

    /**
     * Output rows {@code topRow} and (unless -1) {@code bottomRow}, between chroma rows {@code topUv}
     * (nearer to topRow) and {@code curUv} (nearer to bottomRow). libwebp's UPSAMPLE_FUNC.
     */
    private static void upsampleLinePair(Vp8Decoder.Planes p, int topRow, int bottomRow, int topUv, int curUv,
                                         byte[] out, int len) {
        int topU = topUv * p.uvStride;
        int curU = curUv * p.uvStride;
        int topY = topRow * p.yStride;
        int bottomY = bottomRow * p.yStride;
        int topOut = topRow * len * 3;
        int bottomOut = bottomRow * len * 3;
        int lastPixelPair = (len - 1) >> 1;

        int tlU = p.u[topU] & 0xFF;
        int tlV = p.v[topU] & 0xFF;
        int lU = p.u[curU] & 0xFF;
        int lV = p.v[curU] & 0xFF;
        put(out, topOut, p.y[topY] & 0xFF, (3 * tlU + lU + 2) >> 2, (3 * tlV + lV + 2) >> 2);
        if (bottomRow >= 0) {
            put(out, bottomOut, p.y[bottomY] & 0xFF, (3 * lU + tlU + 2) >> 2, (3 * lV + tlV + 2) >> 2);
        }
        for (int x = 1; x <= lastPixelPair; x++) {
            int tU = p.u[topU + x] & 0xFF;
            int tV = p.v[topU + x] & 0xFF;
            int cU = p.u[curU + x] & 0xFF;
            int cV = p.v[curU + x] & 0xFF;
            int avgU = tlU + tU + lU + cU + 8;
            int avgV = tlV + tV + lV + cV + 8;
            int diag12U = (avgU + 2 * (tU + lU)) >> 3;
            int diag12V = (avgV + 2 * (tV + lV)) >> 3;
            int diag03U = (avgU + 2 * (tlU + cU)) >> 3;
            int diag03V = (avgV + 2 * (tlV + cV)) >> 3;
            put(out, topOut + (2 * x - 1) * 3, p.y[topY + 2 * x - 1] & 0xFF,
                    (diag12U + tlU) >> 1, (diag12V + tlV) >> 1);
            put(out, topOut + 2 * x * 3, p.y[topY + 2 * x] & 0xFF,
                    (diag03U + tU) >> 1, (diag03V + tV) >> 1);
            if (bottomRow >= 0) {
                put(out, bottomOut + (2 * x - 1) * 3, p.y[bottomY + 2 * x - 1] & 0xFF,
                        (diag03U + lU) >> 1, (diag03V + lV) >> 1);
                put(out, bottomOut + 2 * x * 3, p.y[bottomY + 2 * x] & 0xFF,
                        (diag12U + cU) >> 1, (diag12V + cV) >> 1);
            }
            tlU = tU;
            tlV = tV;
            lU = cU;
            lV = cV;
        }
        if ((len & 1) == 0) {
            put(out, topOut + (len - 1) * 3, p.y[topY + len - 1] & 0xFF,
                    (3 * tlU + lU + 2) >> 2, (3 * tlV + lV + 2) >> 2);
            if (bottomRow >= 0) {
                put(out, bottomOut + (len - 1) * 3, p.y[bottomY + len - 1] & 0xFF,
                        (3 * lU + tlU + 2) >> 2, (3 * lV + tlV + 2) >> 2);
            }
        }
    }

    private static void put(byte[] out, int at, int y, int u, int v) {
        int luma = multHi(y, 19077);
        out[at] = (byte) clip8(luma + multHi(v, 26149) - 14234);
        out[at + 1] = (byte) clip8(luma - multHi(u, 6419) - multHi(v, 13320) + 8708);
        out[at + 2] = (byte) clip8(luma + multHi(u, 33050) - 17685);
    }

    private static int multHi(int v, int coeff) {
        return (v * coeff) >> 8;
    }

    /** Six fractional bits, clamped to a byte (libwebp's VP8Clip8). */
    private static int clip8(int v) {
        return (v & ~((256 << 6) - 1)) == 0 ? v >> 6 : v < 0 ? 0 : 255;
    }
}
