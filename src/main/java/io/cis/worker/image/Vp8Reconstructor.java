package io.cis.worker.image;

import java.util.Arrays;

/**
 * VP8 intra reconstruction as libwebp does it: per macroblock a small work buffer holds the block and
 * its unfiltered top/left borders (127 above the picture, 129 left of it, the above-right four pixels
 * reused down the right column of 4x4 blocks), the predictors and the inverse DCT write into it, and the
 * result goes to the Y, U and V planes.
 */
final class Vp8Reconstructor {

    // Work buffer layout (libwebp's): stride 32, luma at row 1 col 8, chroma below it side by side.
    private static final int BPS = 32;
    private static final int Y_OFF = BPS + 8;
    private static final int U_OFF = Y_OFF + BPS * 16 + BPS;
    private static final int V_OFF = U_OFF + 16;
    private static final int WORK_SIZE = BPS * 17 + BPS * 9;

    // 16x16 luma and chroma modes; their values double as the implied sub-block modes for context.
    static final int DC_PRED = 0;
    static final int TM_PRED = 1;
    static final int V_PRED = 2;
    static final int H_PRED = 3;

    // Sub-block modes, numbered as in RFC 6386 (the index order of the key-frame mode probabilities).
    static final int B_DC_PRED = 0;
    static final int B_TM_PRED = 1;
    static final int B_VE_PRED = 2;
    static final int B_HE_PRED = 3;
    static final int B_LD_PRED = 4;
    static final int B_RD_PRED = 5;
    static final int B_VR_PRED = 6;
    static final int B_VL_PRED = 7;
    static final int B_HD_PRED = 8;
    static final int B_HU_PRED = 9;

    private final byte[] yPlane;
    private final byte[] uPlane;
    private final byte[] vPlane;
    private final int yStride;
    private final int uvStride;
    private final int mbWidth;
    private final int[] work = new int[WORK_SIZE];
    private final int[] transformTmp = new int[16];

    Vp8Reconstructor(byte[] yPlane, byte[] uPlane, byte[] vPlane, int yStride, int uvStride, int mbWidth) {
        this.yPlane = yPlane;
        this.uPlane = uPlane;
        this.vPlane = vPlane;
        this.yStride = yStride;
        this.uvStride = uvStride;
        this.mbWidth = mbWidth;
    }

    /**
     * Predicts one macroblock from its unfiltered neighbours in the planes, adds the residual of
     * {@code coeffs} (16 luma blocks, then 4 U and 4 V blocks of 16 dequantised coefficients each) and
     * writes the result to the planes. {@code subModes} is used for 4x4 prediction, {@code yMode} otherwise.
     */
    void reconstruct(int mbX, int mbY, boolean is4x4, int yMode, int[] subModes, int uvMode, short[] coeffs) {
        loadBorders(mbX, mbY);
        if (is4x4) {
            for (int n = 0; n < 16; n++) {
                int dst = Y_OFF + (n & 3) * 4 + (n >> 2) * 4 * BPS;
                predict4(subModes[n], dst);
                inverseTransformAdd(coeffs, n * 16, dst);
            }
        } else {
            predict(yMode, Y_OFF, 16, mbX, mbY);
            for (int n = 0; n < 16; n++) {
                inverseTransformAdd(coeffs, n * 16, Y_OFF + (n & 3) * 4 + (n >> 2) * 4 * BPS);
            }
        }
        predict(uvMode, U_OFF, 8, mbX, mbY);
        predict(uvMode, V_OFF, 8, mbX, mbY);
        for (int n = 0; n < 4; n++) {
            int at = (n & 1) * 4 + (n >> 1) * 4 * BPS;
            inverseTransformAdd(coeffs, 256 + n * 16, U_OFF + at);
            inverseTransformAdd(coeffs, 320 + n * 16, V_OFF + at);
        }
        storeBlock(yPlane, yStride, mbX * 16, mbY * 16, Y_OFF, 16);
        storeBlock(uPlane, uvStride, mbX * 8, mbY * 8, U_OFF, 8);
        storeBlock(vPlane, uvStride, mbX * 8, mbY * 8, V_OFF, 8);
    }

    /** Unfiltered neighbours into the work buffer: 127 above the picture, 129 left of it (libwebp's rule). */
    private void loadBorders(int mbX, int mbY) {
        loadBorder(yPlane, yStride, mbX, mbY, Y_OFF, 16);
        loadBorder(uPlane, uvStride, mbX, mbY, U_OFF, 8);
        loadBorder(vPlane, uvStride, mbX, mbY, V_OFF, 8);
        // Above-right of the luma block, used by the 4x4 predictors of the top row of sub-blocks; the
        // right column of sub-blocks below reuses the same four pixels.
        int top = Y_OFF - BPS;
        if (mbY == 0) {
            Arrays.fill(work, top + 16, top + 20, 127);
        } else {
            int row = (mbY * 16 - 1) * yStride;
            for (int i = 16; i < 20; i++) {
                int x = mbX == mbWidth - 1 ? mbX * 16 + 15 : mbX * 16 + i;
                work[top + i] = yPlane[row + x] & 0xFF;
            }
        }
        for (int r = 3; r < 16; r += 4) {
            System.arraycopy(work, top + 16, work, Y_OFF + r * BPS + 16, 4);
        }
    }

    private void loadBorder(byte[] plane, int stride, int mbX, int mbY, int offset, int size) {
        int top = offset - BPS;
        if (mbY == 0) {
            Arrays.fill(work, top - 1, top + size, 127);
        } else {
            int row = (mbY * size - 1) * stride + mbX * size;
            for (int i = 0; i < size; i++) {
                work[top + i] = plane[row + i] & 0xFF;
            }
            work[top - 1] = mbX == 0 ? 129 : plane[row - 1] & 0xFF;
        }
        for (int j = 0; j < size; j++) {
            work[offset + j * BPS - 1] = mbX == 0 ? 129 : plane[(mbY * size + j) * stride + mbX * size - 1] & 0xFF;
        }
    }

    private void storeBlock(byte[] plane, int stride, int x, int y, int offset, int size) {
        for (int j = 0; j < size; j++) {
            int o = (y + j) * stride + x;
            int w = offset + j * BPS;
            for (int i = 0; i < size; i++) {
                plane[o + i] = (byte) work[w + i];
            }
        }
    }

    /** Adds the inverse DCT of one block's coefficients to the prediction (libwebp's TransformOne). */
    private void inverseTransformAdd(short[] coeffs, int in, int dst) {
        boolean any = false;
        for (int i = 0; i < 16; i++) {
            if (coeffs[in + i] != 0) {
                any = true;
                break;
            }
        }
        if (!any) {
            return;
        }
        int[] tmp = transformTmp;
        for (int i = 0; i < 4; i++) {
            int a = coeffs[in + i] + coeffs[in + 8 + i];
            int b = coeffs[in + i] - coeffs[in + 8 + i];
            int c = mul2(coeffs[in + 4 + i]) - mul1(coeffs[in + 12 + i]);
            int d = mul1(coeffs[in + 4 + i]) + mul2(coeffs[in + 12 + i]);
            tmp[i * 4] = a + d;
            tmp[i * 4 + 1] = b + c;
            tmp[i * 4 + 2] = b - c;
            tmp[i * 4 + 3] = a - d;
        }
        for (int i = 0; i < 4; i++) {
            int dc = tmp[i] + 4;
            int a = dc + tmp[8 + i];
            int b = dc - tmp[8 + i];
            int c = mul2(tmp[4 + i]) - mul1(tmp[12 + i]);
            int d = mul1(tmp[4 + i]) + mul2(tmp[12 + i]);
            int row = dst + i * BPS;
            work[row] = clip255(work[row] + ((a + d) >> 3));
            work[row + 1] = clip255(work[row + 1] + ((b + c) >> 3));
            work[row + 2] = clip255(work[row + 2] + ((b - c) >> 3));
            work[row + 3] = clip255(work[row + 3] + ((a - d) >> 3));
        }
    }

    private static int mul1(int a) {
        return ((a * 20091) >> 16) + a;
    }

    private static int mul2(int a) {
        return (a * 35468) >> 16;
    }

    /** 16x16 luma or 8x8 chroma prediction; DC at the picture's edges averages only what exists. */
    private void predict(int mode, int dst, int size, int mbX, int mbY) {
        switch (mode) {
            case V_PRED:
                for (int j = 0; j < size; j++) {
                    System.arraycopy(work, dst - BPS, work, dst + j * BPS, size);
                }
                break;
            case H_PRED:
                for (int j = 0; j < size; j++) {
                    Arrays.fill(work, dst + j * BPS, dst + j * BPS + size, work[dst + j * BPS - 1]);
                }
                break;
            case TM_PRED:
                trueMotion(dst, size);
                break;
            case DC_PRED:
            default: {
                int shift = size == 16 ? 4 : 3;
                int dc;
                if (mbX > 0 && mbY > 0) {
                    int sum = size;
                    for (int j = 0; j < size; j++) {
                        sum += work[dst - 1 + j * BPS] + work[dst + j - BPS];
                    }
                    dc = sum >> (shift + 1);
                } else if (mbY > 0) {
                    int sum = size >> 1;
                    for (int j = 0; j < size; j++) {
                        sum += work[dst + j - BPS];
                    }
                    dc = sum >> shift;
                } else if (mbX > 0) {
                    int sum = size >> 1;
                    for (int j = 0; j < size; j++) {
                        sum += work[dst - 1 + j * BPS];
                    }
                    dc = sum >> shift;
                } else {
                    dc = 0x80;
                }
                for (int j = 0; j < size; j++) {
                    Arrays.fill(work, dst + j * BPS, dst + j * BPS + size, dc);
                }
                break;
            }
        }
    }

    private void trueMotion(int dst, int size) {
        int topLeft = work[dst - BPS - 1];
        for (int y = 0; y < size; y++) {
            int left = work[dst + y * BPS - 1];
            for (int x = 0; x < size; x++) {
                work[dst + y * BPS + x] = clip255(work[dst - BPS + x] + left - topLeft);
            }
        }
    }

    private void predict4(int mode, int dst) {
        int[] w = work;
        int top = dst - BPS;
        int x0 = w[top - 1];
        int a = w[top];
        int b = w[top + 1];
        int c = w[top + 2];
        int d = w[top + 3];
        int e = w[top + 4];
        int f = w[top + 5];
        int g = w[top + 6];
        int h = w[top + 7];
        int i = w[dst - 1];
        int j = w[dst - 1 + BPS];
        int k = w[dst - 1 + 2 * BPS];
        int l = w[dst - 1 + 3 * BPS];
        switch (mode) {
            case B_VE_PRED: {
                int v0 = avg3(x0, a, b);
                int v1 = avg3(a, b, c);
                int v2 = avg3(b, c, d);
                int v3 = avg3(c, d, e);
                for (int r = 0; r < 4; r++) {
                    set4(dst + r * BPS, v0, v1, v2, v3);
                }
                break;
            }
            case B_HE_PRED:
                fill4(dst, avg3(x0, i, j));
                fill4(dst + BPS, avg3(i, j, k));
                fill4(dst + 2 * BPS, avg3(j, k, l));
                fill4(dst + 3 * BPS, avg3(k, l, l));
                break;
            case B_DC_PRED: {
                int dc = (a + b + c + d + i + j + k + l + 4) >> 3;
                for (int r = 0; r < 4; r++) {
                    fill4(dst + r * BPS, dc);
                }
                break;
            }
            case B_TM_PRED:
                trueMotion(dst, 4);
                break;
            case B_RD_PRED:
                put(dst, 0, 3, avg3(j, k, l));
                put(dst, 1, 3, avg3(i, j, k));
                put(dst, 0, 2, avg3(i, j, k));
                put(dst, 2, 3, avg3(x0, i, j));
                put(dst, 1, 2, avg3(x0, i, j));
                put(dst, 0, 1, avg3(x0, i, j));
                put(dst, 3, 3, avg3(a, x0, i));
                put(dst, 2, 2, avg3(a, x0, i));
                put(dst, 1, 1, avg3(a, x0, i));
                put(dst, 0, 0, avg3(a, x0, i));
                put(dst, 3, 2, avg3(b, a, x0));
                put(dst, 2, 1, avg3(b, a, x0));
                put(dst, 1, 0, avg3(b, a, x0));
                put(dst, 3, 1, avg3(c, b, a));
                put(dst, 2, 0, avg3(c, b, a));
                put(dst, 3, 0, avg3(d, c, b));
                break;
            case B_LD_PRED:
                put(dst, 0, 0, avg3(a, b, c));
                put(dst, 1, 0, avg3(b, c, d));
                put(dst, 0, 1, avg3(b, c, d));
                put(dst, 2, 0, avg3(c, d, e));
                put(dst, 1, 1, avg3(c, d, e));
                put(dst, 0, 2, avg3(c, d, e));
                put(dst, 3, 0, avg3(d, e, f));
                put(dst, 2, 1, avg3(d, e, f));
                put(dst, 1, 2, avg3(d, e, f));
                put(dst, 0, 3, avg3(d, e, f));
                put(dst, 3, 1, avg3(e, f, g));
                put(dst, 2, 2, avg3(e, f, g));
                put(dst, 1, 3, avg3(e, f, g));
                put(dst, 3, 2, avg3(f, g, h));
                put(dst, 2, 3, avg3(f, g, h));
                put(dst, 3, 3, avg3(g, h, h));
                break;
            case B_VR_PRED:
                put(dst, 0, 0, avg2(x0, a));
                put(dst, 1, 2, avg2(x0, a));
                put(dst, 1, 0, avg2(a, b));
                put(dst, 2, 2, avg2(a, b));
                put(dst, 2, 0, avg2(b, c));
                put(dst, 3, 2, avg2(b, c));
                put(dst, 3, 0, avg2(c, d));
                put(dst, 0, 3, avg3(k, j, i));
                put(dst, 0, 2, avg3(j, i, x0));
                put(dst, 0, 1, avg3(i, x0, a));
                put(dst, 1, 3, avg3(i, x0, a));
                put(dst, 1, 1, avg3(x0, a, b));
                put(dst, 2, 3, avg3(x0, a, b));
                put(dst, 2, 1, avg3(a, b, c));
                put(dst, 3, 3, avg3(a, b, c));
                put(dst, 3, 1, avg3(b, c, d));
                break;
            case B_VL_PRED:
                put(dst, 0, 0, avg2(a, b));
                put(dst, 1, 0, avg2(b, c));
                put(dst, 0, 2, avg2(b, c));
                put(dst, 2, 0, avg2(c, d));
                put(dst, 1, 2, avg2(c, d));
                put(dst, 3, 0, avg2(d, e));
                put(dst, 2, 2, avg2(d, e));
                put(dst, 0, 1, avg3(a, b, c));
                put(dst, 1, 1, avg3(b, c, d));
                put(dst, 0, 3, avg3(b, c, d));
                put(dst, 2, 1, avg3(c, d, e));
                put(dst, 1, 3, avg3(c, d, e));
                put(dst, 3, 1, avg3(d, e, f));
                put(dst, 2, 3, avg3(d, e, f));
                put(dst, 3, 2, avg3(e, f, g));
                put(dst, 3, 3, avg3(f, g, h));
                break;
            case B_HD_PRED:
                put(dst, 0, 0, avg2(i, x0));
                put(dst, 2, 1, avg2(i, x0));
                put(dst, 0, 1, avg2(j, i));
                put(dst, 2, 2, avg2(j, i));
                put(dst, 0, 2, avg2(k, j));
                put(dst, 2, 3, avg2(k, j));
                put(dst, 0, 3, avg2(l, k));
                put(dst, 3, 0, avg3(a, b, c));
                put(dst, 2, 0, avg3(x0, a, b));
                put(dst, 1, 0, avg3(i, x0, a));
                put(dst, 3, 1, avg3(i, x0, a));
                put(dst, 1, 1, avg3(j, i, x0));
                put(dst, 3, 2, avg3(j, i, x0));
                put(dst, 1, 2, avg3(k, j, i));
                put(dst, 3, 3, avg3(k, j, i));
                put(dst, 1, 3, avg3(l, k, j));
                break;
            case B_HU_PRED:
                put(dst, 0, 0, avg2(i, j));
                put(dst, 2, 0, avg2(j, k));
                put(dst, 0, 1, avg2(j, k));
                put(dst, 2, 1, avg2(k, l));
                put(dst, 0, 2, avg2(k, l));
                put(dst, 1, 0, avg3(i, j, k));
                put(dst, 3, 0, avg3(j, k, l));
                put(dst, 1, 1, avg3(j, k, l));
                put(dst, 3, 1, avg3(k, l, l));
                put(dst, 1, 2, avg3(k, l, l));
                put(dst, 3, 2, l);
                put(dst, 2, 2, l);
                put(dst, 0, 3, l);
                put(dst, 1, 3, l);
                put(dst, 2, 3, l);
                put(dst, 3, 3, l);
                break;
            default:
                throw new IllegalStateException("sub-block mode " + mode);
        }
    }

    private void put(int dst, int x, int y, int value) {
        work[dst + x + y * BPS] = value;
    }

    private void set4(int at, int v0, int v1, int v2, int v3) {
        work[at] = v0;
        work[at + 1] = v1;
        work[at + 2] = v2;
        work[at + 3] = v3;
    }

    private void fill4(int at, int v) {
        Arrays.fill(work, at, at + 4, v);
    }

    private static int avg3(int a, int b, int c) {
        return (a + 2 * b + c + 2) >> 2;
    }

    private static int avg2(int a, int b) {
        return (a + b + 1) >> 1;
    }

    private static int clip255(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
