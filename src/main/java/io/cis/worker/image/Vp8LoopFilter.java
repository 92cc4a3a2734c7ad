package io.cis.worker.image;

/**
 * VP8's in-loop deblocking filter, applied to the whole reconstructed frame (RFC 6386 section 15, in
 * libwebp's formulation): the simple filter on luma only, or the normal filter on all planes with 6 taps
 * across macroblock edges, 4 across inner edges and 2 where the edge variance is high.
 */
final class Vp8LoopFilter {

    private final boolean simple;
    private final int mbWidth;
    private final int mbHeight;
    private final int[] limit;
    private final int[] interior;
    private final int[] hevThreshold;
    private final boolean[] inner;

    Vp8LoopFilter(boolean simple, int mbWidth, int mbHeight) {
        this.simple = simple;
        this.mbWidth = mbWidth;
        this.mbHeight = mbHeight;
        int mbs = mbWidth * mbHeight;
        this.limit = new int[mbs];
        this.interior = new int[mbs];
        this.hevThreshold = new int[mbs];
        this.inner = new boolean[mbs];
    }

    /**
     * The filter strength of one macroblock (libwebp's PrecomputeFilterStrengths): {@code level} 0..63
     * after segment and delta adjustments, {@code inner} when its inner edges are filtered too (4x4
     * prediction, or any coefficient coded).
     */
    void setMacroblock(int mb, int level, int sharpness, boolean inner) {
        if (level > 0) {
            int interiorLimit = level;
            if (sharpness > 0) {
                interiorLimit >>= sharpness > 4 ? 2 : 1;
                interiorLimit = Math.min(interiorLimit, 9 - sharpness);
            }
            interiorLimit = Math.max(interiorLimit, 1);
            interior[mb] = interiorLimit;
            limit[mb] = 2 * level + interiorLimit;
            hevThreshold[mb] = level >= 40 ? 2 : level >= 15 ? 1 : 0;
        } else {
            limit[mb] = 0;
        }
        this.inner[mb] = inner;
    }

    /** Filters every macroblock edge of the planes, macroblocks in raster order (libwebp's DoFilter). */
    void apply(byte[] yPlane, byte[] uPlane, byte[] vPlane, int yStride, int uvStride) {
        for (int mbY = 0; mbY < mbHeight; mbY++) {
            for (int mbX = 0; mbX < mbWidth; mbX++) {
                int mb = mbY * mbWidth + mbX;
                int limit = this.limit[mb];
                if (limit == 0) {
                    continue;
                }
                int interior = this.interior[mb];
                int hev = hevThreshold[mb];
                boolean inner = this.inner[mb];
                int y = mbY * 16 * yStride + mbX * 16;
                if (simple) {
                    if (mbX > 0) {
                        simpleFilter(yPlane, y, 1, yStride, limit + 4);
                    }
                    if (inner) {
                        for (int e = 4; e < 16; e += 4) {
                            simpleFilter(yPlane, y + e, 1, yStride, limit);
                        }
                    }
                    if (mbY > 0) {
                        simpleFilter(yPlane, y, yStride, 1, limit + 4);
                    }
                    if (inner) {
                        for (int e = 4; e < 16; e += 4) {
                            simpleFilter(yPlane, y + e * yStride, yStride, 1, limit);
                        }
                    }
                } else {
                    int uv = mbY * 8 * uvStride + mbX * 8;
                    if (mbX > 0) {
                        edgeFilter(yPlane, y, 1, yStride, 16, limit + 4, interior, hev, true);
                        edgeFilter(uPlane, uv, 1, uvStride, 8, limit + 4, interior, hev, true);
                        edgeFilter(vPlane, uv, 1, uvStride, 8, limit + 4, interior, hev, true);
                    }
                    if (inner) {
                        for (int e = 4; e < 16; e += 4) {
                            edgeFilter(yPlane, y + e, 1, yStride, 16, limit, interior, hev, false);
                        }
                        edgeFilter(uPlane, uv + 4, 1, uvStride, 8, limit, interior, hev, false);
                        edgeFilter(vPlane, uv + 4, 1, uvStride, 8, limit, interior, hev, false);
                    }
                    if (mbY > 0) {
                        edgeFilter(yPlane, y, yStride, 1, 16, limit + 4, interior, hev, true);
                        edgeFilter(uPlane, uv, uvStride, 1, 8, limit + 4, interior, hev, true);
                        edgeFilter(vPlane, uv, uvStride, 1, 8, limit + 4, interior, hev, true);
                    }
                    if (inner) {
                        for (int e = 4; e < 16; e += 4) {
                            edgeFilter(yPlane, y + e * yStride, yStride, 1, 16, limit, interior, hev, false);
                        }
                        edgeFilter(uPlane, uv + 4 * uvStride, uvStride, 1, 8, limit, interior, hev, false);
                        edgeFilter(vPlane, uv + 4 * uvStride, uvStride, 1, 8, limit, interior, hev, false);
                    }
                }
            }
        }
    }

    /**
     * The simple filter along one 16-pixel edge; {@code across} steps over the edge, {@code along} along it.
     */
    private static void simpleFilter(byte[] p, int at, int across, int along, int limit) {
        int threshold = 2 * limit + 1;
        for (int n = 0; n < 16; n++, at += along) {
            if (edgeDifference(p, at, across) <= threshold) {
                filter2(p, at, across);
            }
        }
    }

    /** The normal filter along one edge: 6 taps on macroblock edges, 4 inside, 2 at high edge variance. */
    private static void edgeFilter(byte[] p, int at, int across, int along, int length, int limit,
                                   int interior, int hevThreshold, boolean macroblockEdge) {
        int threshold = 2 * limit + 1;
        for (int n = 0; n < length; n++, at += along) {
            if (!needsFilter(p, at, across, threshold, interior)) {
                continue;
            }
            if (highEdgeVariance(p, at, across, hevThreshold)) {
                filter2(p, at, across);
            } else if (macroblockEdge) {
                filter6(p, at, across);
            } else {
                filter4(p, at, across);
            }
        }
    }

    private static int edgeDifference(byte[] p, int at, int step) {
        int p1 = p[at - 2 * step] & 0xFF;
        int p0 = p[at - step] & 0xFF;
        int q0 = p[at] & 0xFF;
        int q1 = p[at + step] & 0xFF;
        return 4 * Math.abs(p0 - q0) + Math.abs(p1 - q1);
    }

    private static boolean needsFilter(byte[] p, int at, int step, int threshold, int interior) {
        if (edgeDifference(p, at, step) > threshold) {
            return false;
        }
        int p3 = p[at - 4 * step] & 0xFF;
        int p2 = p[at - 3 * step] & 0xFF;
        int p1 = p[at - 2 * step] & 0xFF;
        int p0 = p[at - step] & 0xFF;
        int q0 = p[at] & 0xFF;
        int q1 = p[at + step] & 0xFF;
        int q2 = p[at + 2 * step] & 0xFF;
        int q3 = p[at + 3 * step] & 0xFF;
        return Math.abs(p3 - p2) <= interior && Math.abs(p2 - p1) <= interior
                && Math.abs(p1 - p0) <= interior && Math.abs(q3 - q2) <= interior
                && Math.abs(q2 - q1) <= interior && Math.abs(q1 - q0) <= interior;
    }

    private static boolean highEdgeVariance(byte[] p, int at, int step, int threshold) {
        int p1 = p[at - 2 * step] & 0xFF;
        int p0 = p[at - step] & 0xFF;
        int q0 = p[at] & 0xFF;
        int q1 = p[at + step] & 0xFF;
        return Math.abs(p1 - p0) > threshold || Math.abs(q1 - q0) > threshold;
    }

    private static void filter2(byte[] p, int at, int step) {
        int p1 = p[at - 2 * step] & 0xFF;
        int p0 = p[at - step] & 0xFF;
        int q0 = p[at] & 0xFF;
        int q1 = p[at + step] & 0xFF;
        int a = 3 * (q0 - p0) + sclip1(p1 - q1);
        int a1 = sclip2((a + 4) >> 3);
        int a2 = sclip2((a + 3) >> 3);
        p[at - step] = (byte) clip255(p0 + a2);
        p[at] = (byte) clip255(q0 - a1);
    }

    private static void filter4(byte[] p, int at, int step) {
        int p1 = p[at - 2 * step] & 0xFF;
        int p0 = p[at - step] & 0xFF;
        int q0 = p[at] & 0xFF;
        int q1 = p[at + step] & 0xFF;
        int a = 3 * (q0 - p0);
        int a1 = sclip2((a + 4) >> 3);
        int a2 = sclip2((a + 3) >> 3);
        int a3 = (a1 + 1) >> 1;
        p[at - 2 * step] = (byte) clip255(p1 + a3);
        p[at - step] = (byte) clip255(p0 + a2);
        p[at] = (byte) clip255(q0 - a1);
        p[at + step] = (byte) clip255(q1 - a3);
    }

    private static void filter6(byte[] p, int at, int step) {
        int p2 = p[at - 3 * step] & 0xFF;
        int p1 = p[at - 2 * step] & 0xFF;
        int p0 = p[at - step] & 0xFF;
        int q0 = p[at] & 0xFF;
        int q1 = p[at + step] & 0xFF;
        int q2 = p[at + 2 * step] & 0xFF;
        int a = sclip1(3 * (q0 - p0) + sclip1(p1 - q1));
        int a1 = (27 * a + 63) >> 7;
        int a2 = (18 * a + 63) >> 7;
        int a3 = (9 * a + 63) >> 7;
        p[at - 3 * step] = (byte) clip255(p2 + a3);
        p[at - 2 * step] = (byte) clip255(p1 + a2);
        p[at - step] = (byte) clip255(p0 + a1);
        p[at] = (byte) clip255(q0 - a1);
        p[at + step] = (byte) clip255(q1 - a2);
        p[at + 2 * step] = (byte) clip255(q2 - a3);
    }

    private static int sclip1(int v) {
        return v < -128 ? -128 : Math.min(v, 127);
    }

    private static int sclip2(int v) {
        return v < -16 ? -16 : Math.min(v, 15);
    }

    private static int clip255(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
