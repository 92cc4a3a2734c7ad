package io.cis.worker.image;

import java.util.Arrays;

/**
 * Decodes a VP8 key frame, the payload of a lossy WebP, into Y, U and V planes the way libwebp does
 * (libwebp is what Pillow uses, so this is what the reference pipeline sees). VP8 reconstruction is
 * normative integer arithmetic (RFC 6386), so a correct decoder is bit-exact; TwelveMonkeys' pure-Java
 * decoder is not (its colour conversion and chroma upsampling differ by up to 38 levels on coffee.webp),
 * hence this class. The whole frame is reconstructed before the loop filter runs, which is equivalent to
 * libwebp's row-delayed filtering because intra prediction always reads unfiltered pixels.
 *
 * <p>Structure follows libwebp's decoder: per macroblock a small work buffer holds the block and its
 * top/left borders (127 above the picture, 129 left of it), predictors and the inverse transforms write
 * into it, and the result is copied to the planes.
 */
final class Vp8Decoder {

    // Work buffer layout (libwebp's): stride 32, luma at row 1 col 8, chroma below it side by side.
    private static final int BPS = 32;
    private static final int Y_OFF = BPS + 8;
    private static final int U_OFF = Y_OFF + BPS * 16 + BPS;
    private static final int V_OFF = U_OFF + 16;
    private static final int WORK_SIZE = BPS * 17 + BPS * 9;

    // 16x16 luma and chroma modes; their values double as the implied sub-block modes for context.
    private static final int DC_PRED = 0;
    private static final int TM_PRED = 1;
    private static final int V_PRED = 2;
    private static final int H_PRED = 3;

    // Sub-block modes, numbered as in RFC 6386 (the index order of the key-frame mode probabilities).
    private static final int B_DC_PRED = 0;
    private static final int B_TM_PRED = 1;
    private static final int B_VE_PRED = 2;
    private static final int B_HE_PRED = 3;
    private static final int B_LD_PRED = 4;
    private static final int B_RD_PRED = 5;
    private static final int B_VR_PRED = 6;
    private static final int B_VL_PRED = 7;
    private static final int B_HD_PRED = 8;
    private static final int B_HU_PRED = 9;

    private static final int[] SUBBLOCK_MODE_TREE = {
        -B_DC_PRED, 2, -B_TM_PRED, 4, -B_VE_PRED, 6, 8, 12, -B_HE_PRED, 10,
        -B_RD_PRED, -B_VR_PRED, -B_LD_PRED, 14, -B_VL_PRED, 16, -B_HD_PRED, -B_HU_PRED,
    };
    private static final int[] ZIGZAG = {0, 1, 4, 8, 5, 2, 3, 6, 9, 12, 13, 10, 7, 11, 14, 15};
    /** Band of each coefficient position; the 17th entry is a sentinel for "after the last". */
    private static final int[] BANDS = {0, 1, 2, 3, 6, 4, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 0};
    /** Extra-bit probabilities of the DCT_CAT3..DCT_CAT6 tokens. */
    private static final int[][] LARGE_CATEGORY_PROBS = {
        {173, 148, 140},
        {176, 155, 140, 135},
        {180, 157, 141, 134, 130},
        {254, 254, 243, 230, 196, 177, 153, 140, 133, 130, 129},
    };

    // Token probability types.
    private static final int TYPE_Y_AFTER_Y2 = 0;
    private static final int TYPE_Y2 = 1;
    private static final int TYPE_CHROMA = 2;
    private static final int TYPE_Y_WITH_DC = 3;

    private static final int SEGMENTS = 4;

    /** The decoded planes, padded to whole macroblocks; width and height are the picture's. */
    static final class Planes {
        final int width;
        final int height;
        final byte[] y;
        final byte[] u;
        final byte[] v;
        final int yStride;
        final int uvStride;

        Planes(int width, int height, byte[] y, byte[] u, byte[] v, int yStride, int uvStride) {
            this.width = width;
            this.height = height;
            this.y = y;
            this.u = u;
            this.v = v;
            this.yStride = yStride;
            this.uvStride = uvStride;
        }
    }

    private final byte[] data;
    private final int start;
    private final int end;

    // Segment header.
    private boolean useSegment;
    private boolean updateSegmentMap;
    private boolean absoluteDeltas = true;
    private final int[] segmentQuantizer = new int[SEGMENTS];
    private final int[] segmentFilterStrength = new int[SEGMENTS];
    private final int[] segmentProbs = {255, 255, 255};

    // Filter header.
    private boolean simpleFilter;
    private int filterLevel;
    private int sharpness;
    private boolean useLoopFilterDeltas;
    private final int[] refLoopFilterDelta = new int[4];
    private final int[] modeLoopFilterDelta = new int[4];
    private int filterType;

    // Dequantisation factors per segment: {y1 dc, y1 ac, y2 dc, y2 ac, uv dc, uv ac}.
    private final int[][] quant = new int[SEGMENTS][6];

    private int[][][][] coeffProbs;
    private boolean useSkipProb;
    private int skipProb;

    // Geometry and output.
    private int width;
    private int height;
    private int mbWidth;
    private int mbHeight;
    private byte[] yPlane;
    private byte[] uPlane;
    private byte[] vPlane;
    private int yStride;
    private int uvStride;

    // Mode contexts: sub-block modes along the bottom of the row above and the right of the block to the left.
    private int[] intraTop;
    private final int[] intraLeft = new int[4];
    // Non-zero contexts: per 4x4 column above (luma 4 per MB, chroma 2+2 per MB) and per row to the left.
    private int[] nzTopY;
    private int[] nzTopU;
    private int[] nzTopV;
    private int[] nzTopDc;
    private final int[] nzLeftY = new int[4];
    private final int[] nzLeftU = new int[2];
    private final int[] nzLeftV = new int[2];
    private int nzLeftDc;

    // Loop-filter parameters per macroblock, applied once the frame is reconstructed.
    private int[] filterLimit;
    private int[] filterInnerLevel;
    private int[] filterHevThreshold;
    private boolean[] filterInner;

    // Per-row macroblock modes.
    private int[] rowSegment;
    private boolean[] rowSkip;
    private boolean[] rowIs4x4;
    private int[] rowYMode;
    private int[][] rowSubModes;
    private int[] rowUvMode;

    private final short[] coeffs = new short[384];
    private final int[] work = new int[WORK_SIZE];
    private final int[] transformTmp = new int[16];

    private Vp8Decoder(byte[] data, int start, int length) {
        this.data = data;
        this.start = start;
        this.end = start + length;
    }

    /** Decodes the VP8 frame in {@code data[start, start + length)}; the size is checked before allocation. */
    static Planes decode(byte[] data, int start, int length, DecodeLimits limits) throws ImageDecodeException {
        return new Vp8Decoder(data, start, length).decodeFrame(limits);
    }

    private Planes decodeFrame(DecodeLimits limits) throws ImageDecodeException {
        if (end - start < 10) {
            throw truncated("VP8 frame header is incomplete");
        }
        int tag = u8(start) | u8(start + 1) << 8 | u8(start + 2) << 16;
        boolean keyFrame = (tag & 1) == 0;
        int profile = (tag >> 1) & 7;
        boolean shown = ((tag >> 4) & 1) != 0;
        int partition0Length = tag >>> 5;
        if (!keyFrame) {
            throw corrupt("VP8 frame is not a key frame");
        }
        if (profile > 3 || !shown) {
            throw corrupt("VP8 frame header is invalid (profile " + profile + ", shown " + shown + ")");
        }
        if (u8(start + 3) != 0x9D || u8(start + 4) != 0x01 || u8(start + 5) != 0x2A) {
            throw corrupt("VP8 start code missing");
        }
        width = (u8(start + 6) | u8(start + 7) << 8) & 0x3FFF;
        height = (u8(start + 8) | u8(start + 9) << 8) & 0x3FFF;
        limits.check(width, height);

        int partition0 = start + 10;
        if (partition0Length > end - partition0) {
            throw truncated("VP8 first partition needs " + partition0Length + " bytes, "
                    + (end - partition0) + " left");
        }
        Vp8BoolDecoder header = new Vp8BoolDecoder(data, partition0, partition0 + partition0Length);
        header.readBit(); // colour space: only 0 is defined, and libwebp ignores it
        header.readBit(); // clamping type: libwebp always clamps
        parseSegmentHeader(header);
        parseFilterHeader(header);
        Vp8BoolDecoder[] partitions = parsePartitions(header, partition0 + partition0Length);
        parseQuantizers(header);
        header.readBit(); // refresh_entropy_probs: meaningless for a single key frame
        parseTokenProbabilities(header);

        allocate();
        for (int mbY = 0; mbY < mbHeight; mbY++) {
            Arrays.fill(intraLeft, B_DC_PRED);
            for (int mbX = 0; mbX < mbWidth; mbX++) {
                parseIntraModes(header, mbX);
            }
            if (header.ranPastEnd()) {
                throw truncated("VP8 mode data ends early");
            }
            Arrays.fill(nzLeftY, 0);
            Arrays.fill(nzLeftU, 0);
            Arrays.fill(nzLeftV, 0);
            nzLeftDc = 0;
            Vp8BoolDecoder tokens = partitions[mbY & (partitions.length - 1)];
            for (int mbX = 0; mbX < mbWidth; mbX++) {
                decodeMacroblock(tokens, mbX, mbY);
                if (tokens.ranPastEnd()) {
                    throw truncated("VP8 coefficient data ends early");
                }
            }
        }
        if (filterType > 0) {
            loopFilter();
        }
        return new Planes(width, height, yPlane, uPlane, vPlane, yStride, uvStride);
    }

    // ---- Frame header ----

    private void parseSegmentHeader(Vp8BoolDecoder br) {
        useSegment = br.readBit() != 0;
        if (useSegment) {
            updateSegmentMap = br.readBit() != 0;
            if (br.readBit() != 0) {
                absoluteDeltas = br.readBit() != 0;
                for (int s = 0; s < SEGMENTS; s++) {
                    segmentQuantizer[s] = br.readBit() != 0 ? br.readSigned(7) : 0;
                }
                for (int s = 0; s < SEGMENTS; s++) {
                    segmentFilterStrength[s] = br.readBit() != 0 ? br.readSigned(6) : 0;
                }
            }
            if (updateSegmentMap) {
                for (int i = 0; i < 3; i++) {
                    segmentProbs[i] = br.readBit() != 0 ? br.readLiteral(8) : 255;
                }
            }
        }
    }

    private void parseFilterHeader(Vp8BoolDecoder br) {
        simpleFilter = br.readBit() != 0;
        filterLevel = br.readLiteral(6);
        sharpness = br.readLiteral(3);
        useLoopFilterDeltas = br.readBit() != 0;
        if (useLoopFilterDeltas && br.readBit() != 0) {
            for (int i = 0; i < 4; i++) {
                if (br.readBit() != 0) {
                    refLoopFilterDelta[i] = br.readSigned(6);
                }
            }
            for (int i = 0; i < 4; i++) {
                if (br.readBit() != 0) {
                    modeLoopFilterDelta[i] = br.readSigned(6);
                }
            }
        }
        filterType = filterLevel == 0 ? 0 : simpleFilter ? 1 : 2;
    }

    private Vp8BoolDecoder[] parsePartitions(Vp8BoolDecoder br, int sizesStart) throws ImageDecodeException {
        int count = 1 << br.readLiteral(2);
        int lastPart = count - 1;
        int partStart = sizesStart + 3 * lastPart;
        if (partStart > end) {
            throw truncated("VP8 partition table is incomplete");
        }
        int sizeLeft = end - partStart;
        Vp8BoolDecoder[] parts = new Vp8BoolDecoder[count];
        for (int p = 0; p < lastPart; p++) {
            int s = sizesStart + 3 * p;
            int size = Math.min(u8(s) | u8(s + 1) << 8 | u8(s + 2) << 16, sizeLeft);
            parts[p] = new Vp8BoolDecoder(data, partStart, partStart + size);
            partStart += size;
            sizeLeft -= size;
        }
        if (partStart >= end) {
            throw truncated("VP8 coefficient partitions are missing");
        }
        parts[lastPart] = new Vp8BoolDecoder(data, partStart, end);
        return parts;
    }

    private void parseQuantizers(Vp8BoolDecoder br) {
        int baseQ = br.readLiteral(7);
        int y1DcDelta = br.readBit() != 0 ? br.readSigned(4) : 0;
        int y2DcDelta = br.readBit() != 0 ? br.readSigned(4) : 0;
        int y2AcDelta = br.readBit() != 0 ? br.readSigned(4) : 0;
        int uvDcDelta = br.readBit() != 0 ? br.readSigned(4) : 0;
        int uvAcDelta = br.readBit() != 0 ? br.readSigned(4) : 0;
        for (int s = 0; s < SEGMENTS; s++) {
            int q;
            if (useSegment) {
                q = segmentQuantizer[s] + (absoluteDeltas ? 0 : baseQ);
            } else if (s > 0) {
                quant[s] = quant[0];
                continue;
            } else {
                q = baseQ;
            }
            int[] m = quant[s];
            m[0] = Vp8Tables.DC_QUANT[clip(q + y1DcDelta, 127)];
            m[1] = Vp8Tables.AC_QUANT[clip(q, 127)];
            m[2] = Vp8Tables.DC_QUANT[clip(q + y2DcDelta, 127)] * 2;
            // x * 155 / 100, computed as libwebp does: (x * 101581) >> 16, at least 8.
            m[3] = Math.max((Vp8Tables.AC_QUANT[clip(q + y2AcDelta, 127)] * 101581) >> 16, 8);
            m[4] = Vp8Tables.DC_QUANT[clip(q + uvDcDelta, 117)];
            m[5] = Vp8Tables.AC_QUANT[clip(q + uvAcDelta, 127)];
        }
    }

    private void parseTokenProbabilities(Vp8BoolDecoder br) {
        coeffProbs = new int[4][8][3][11];
        for (int t = 0; t < 4; t++) {
            for (int b = 0; b < 8; b++) {
                for (int c = 0; c < 3; c++) {
                    for (int p = 0; p < 11; p++) {
                        coeffProbs[t][b][c][p] = br.readBool(Vp8Tables.COEFF_UPDATE_PROBS[t][b][c][p]) != 0
                                ? br.readLiteral(8) : Vp8Tables.DEFAULT_COEFF_PROBS[t][b][c][p];
                    }
                }
            }
        }
        useSkipProb = br.readBit() != 0;
        if (useSkipProb) {
            skipProb = br.readLiteral(8);
        }
    }

    private void allocate() {
        mbWidth = (width + 15) >> 4;
        mbHeight = (height + 15) >> 4;
        yStride = mbWidth * 16;
        uvStride = mbWidth * 8;
        yPlane = new byte[yStride * mbHeight * 16];
        uPlane = new byte[uvStride * mbHeight * 8];
        vPlane = new byte[uvStride * mbHeight * 8];
        intraTop = new int[mbWidth * 4];
        nzTopY = new int[mbWidth * 4];
        nzTopU = new int[mbWidth * 2];
        nzTopV = new int[mbWidth * 2];
        nzTopDc = new int[mbWidth];
        int mbs = mbWidth * mbHeight;
        filterLimit = new int[mbs];
        filterInnerLevel = new int[mbs];
        filterHevThreshold = new int[mbs];
        filterInner = new boolean[mbs];
        rowSegment = new int[mbWidth];
        rowSkip = new boolean[mbWidth];
        rowIs4x4 = new boolean[mbWidth];
        rowYMode = new int[mbWidth];
        rowSubModes = new int[mbWidth][16];
        rowUvMode = new int[mbWidth];
    }

    // ---- Macroblock modes (first partition) ----

    private void parseIntraModes(Vp8BoolDecoder br, int mbX) {
        if (updateSegmentMap) {
            rowSegment[mbX] = br.readBool(segmentProbs[0]) == 0
                    ? br.readBool(segmentProbs[1])
                    : br.readBool(segmentProbs[2]) + 2;
        } else {
            rowSegment[mbX] = 0;
        }
        rowSkip[mbX] = useSkipProb && br.readBool(skipProb) != 0;
        boolean is4x4 = br.readBool(145) == 0;
        rowIs4x4[mbX] = is4x4;
        int top = mbX * 4;
        if (!is4x4) {
            int mode = br.readBool(156) != 0
                    ? (br.readBool(128) != 0 ? TM_PRED : H_PRED)
                    : (br.readBool(163) != 0 ? V_PRED : DC_PRED);
            rowYMode[mbX] = mode;
            Arrays.fill(intraTop, top, top + 4, mode);
            Arrays.fill(intraLeft, mode);
        } else {
            int[] modes = rowSubModes[mbX];
            for (int y = 0; y < 4; y++) {
                int mode = intraLeft[y];
                for (int x = 0; x < 4; x++) {
                    int[] probs = Vp8Tables.KEY_FRAME_SUBBLOCK_MODE_PROBS[intraTop[top + x]][mode];
                    int i = 0;
                    do {
                        i = SUBBLOCK_MODE_TREE[i + br.readBool(probs[i >> 1])];
                    } while (i > 0);
                    mode = -i;
                    intraTop[top + x] = mode;
                    modes[y * 4 + x] = mode;
                }
                intraLeft[y] = mode;
            }
        }
        rowUvMode[mbX] = br.readBool(142) == 0 ? DC_PRED
                : br.readBool(114) == 0 ? V_PRED
                : br.readBool(183) != 0 ? TM_PRED : H_PRED;
    }

    // ---- Residuals (token partitions) ----

    private void decodeMacroblock(Vp8BoolDecoder tokens, int mbX, int mbY) {
        boolean is4x4 = rowIs4x4[mbX];
        boolean allZero;
        if (!rowSkip[mbX]) {
            allZero = parseResiduals(tokens, mbX, quant[rowSegment[mbX]], is4x4);
        } else {
            Arrays.fill(coeffs, (short) 0);
            Arrays.fill(nzTopY, mbX * 4, mbX * 4 + 4, 0);
            Arrays.fill(nzLeftY, 0);
            Arrays.fill(nzTopU, mbX * 2, mbX * 2 + 2, 0);
            Arrays.fill(nzLeftU, 0);
            Arrays.fill(nzTopV, mbX * 2, mbX * 2 + 2, 0);
            Arrays.fill(nzLeftV, 0);
            if (!is4x4) {
                nzTopDc[mbX] = 0;
                nzLeftDc = 0;
            }
            allZero = true;
        }
        if (filterType > 0) {
            storeFilterStrength(mbY * mbWidth + mbX, rowSegment[mbX], is4x4, !allZero);
        }
        reconstruct(mbX, mbY);
    }

    /** Reads the coefficients of one macroblock; returns true when none of its blocks carries any. */
    private boolean parseResiduals(Vp8BoolDecoder br, int mbX, int[] q, boolean is4x4) {
        Arrays.fill(coeffs, (short) 0);
        int first;
        int yType;
        if (!is4x4) {
            short[] dc = new short[16];
            int ctx = nzTopDc[mbX] + nzLeftDc;
            int nz = readCoefficients(br, TYPE_Y2, ctx, q[2], q[3], 0, dc, 0);
            nzTopDc[mbX] = nzLeftDc = nz > 0 ? 1 : 0;
            inverseWalshHadamard(dc, coeffs);
            first = 1;
            yType = TYPE_Y_AFTER_Y2;
        } else {
            first = 0;
            yType = TYPE_Y_WITH_DC;
        }
        boolean anyCoded = false;
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                int block = (y * 4 + x) * 16;
                int ctx = nzTopY[mbX * 4 + x] + nzLeftY[y];
                int nz = readCoefficients(br, yType, ctx, q[0], q[1], first, coeffs, block);
                int flag = nz > first ? 1 : 0;
                nzTopY[mbX * 4 + x] = flag;
                nzLeftY[y] = flag;
                anyCoded |= nz > 1 || coeffs[block] != 0;
            }
        }
        anyCoded |= readChroma(br, mbX, q, nzTopU, nzLeftU, 256);
        anyCoded |= readChroma(br, mbX, q, nzTopV, nzLeftV, 320);
        return !anyCoded;
    }

    private boolean readChroma(Vp8BoolDecoder br, int mbX, int[] q, int[] nzTop, int[] nzLeft, int offset) {
        boolean anyCoded = false;
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 2; x++) {
                int block = offset + (y * 2 + x) * 16;
                int ctx = nzTop[mbX * 2 + x] + nzLeft[y];
                int nz = readCoefficients(br, TYPE_CHROMA, ctx, q[4], q[5], 0, coeffs, block);
                int flag = nz > 0 ? 1 : 0;
                nzTop[mbX * 2 + x] = flag;
                nzLeft[y] = flag;
                anyCoded |= nz > 1 || coeffs[block] != 0;
            }
        }
        return anyCoded;
    }

    /**
     * The tokens of one 4x4 block from position n, dequantised into {@code out} in raster order.
     * Returns the position after the last token read (libwebp's GetCoeffs, including its quirks).
     */
    private int readCoefficients(Vp8BoolDecoder br, int type, int ctx, int dcQ, int acQ, int n,
                                 short[] out, int offset) {
        int[][][] bands = coeffProbs[type];
        int[] p = bands[BANDS[n]][ctx];
        for (; n < 16; n++) {
            if (br.readBool(p[0]) == 0) {
                return n;
            }
            while (br.readBool(p[1]) == 0) {
                p = bands[BANDS[++n]][0];
                if (n == 16) {
                    return 16;
                }
            }
            int[][] next = bands[BANDS[n + 1]];
            int v;
            if (br.readBool(p[2]) == 0) {
                v = 1;
                p = next[1];
            } else {
                v = readLargeValue(br, p);
                p = next[2];
            }
            int signed = br.readBit() != 0 ? -v : v;
            out[offset + ZIGZAG[n]] = (short) (signed * (n > 0 ? acQ : dcQ));
        }
        return 16;
    }

    private static int readLargeValue(Vp8BoolDecoder br, int[] p) {
        if (br.readBool(p[3]) == 0) {
            return br.readBool(p[4]) == 0 ? 2 : 3 + br.readBool(p[5]);
        }
        if (br.readBool(p[6]) == 0) {
            if (br.readBool(p[7]) == 0) {
                return 5 + br.readBool(159);
            }
            int v = 7 + 2 * br.readBool(165);
            return v + br.readBool(145);
        }
        int bit1 = br.readBool(p[8]);
        int bit0 = br.readBool(p[9 + bit1]);
        int category = 2 * bit1 + bit0;
        int v = 0;
        for (int prob : LARGE_CATEGORY_PROBS[category]) {
            v += v + br.readBool(prob);
        }
        return v + 3 + (8 << category);
    }

    private static void inverseWalshHadamard(short[] in, short[] out) {
        int[] tmp = new int[16];
        for (int i = 0; i < 4; i++) {
            int a0 = in[i] + in[12 + i];
            int a1 = in[4 + i] + in[8 + i];
            int a2 = in[4 + i] - in[8 + i];
            int a3 = in[i] - in[12 + i];
            tmp[i] = a0 + a1;
            tmp[8 + i] = a0 - a1;
            tmp[4 + i] = a3 + a2;
            tmp[12 + i] = a3 - a2;
        }
        for (int i = 0; i < 4; i++) {
            int dc = tmp[i * 4] + 3;
            int a0 = dc + tmp[3 + i * 4];
            int a1 = tmp[1 + i * 4] + tmp[2 + i * 4];
            int a2 = tmp[1 + i * 4] - tmp[2 + i * 4];
            int a3 = dc - tmp[3 + i * 4];
            int o = i * 64;
            out[o] = (short) ((a0 + a1) >> 3);
            out[o + 16] = (short) ((a3 + a2) >> 3);
            out[o + 32] = (short) ((a0 - a1) >> 3);
            out[o + 48] = (short) ((a3 - a2) >> 3);
        }
    }

    private void storeFilterStrength(int mb, int segment, boolean is4x4, boolean hasCoefficients) {
        int level;
        if (useSegment) {
            level = segmentFilterStrength[segment] + (absoluteDeltas ? 0 : filterLevel);
        } else {
            level = filterLevel;
        }
        if (useLoopFilterDeltas) {
            level += refLoopFilterDelta[0];
            if (is4x4) {
                level += modeLoopFilterDelta[0];
            }
        }
        level = clip(level, 63);
        if (level > 0) {
            int interior = level;
            if (sharpness > 0) {
                interior >>= sharpness > 4 ? 2 : 1;
                interior = Math.min(interior, 9 - sharpness);
            }
            interior = Math.max(interior, 1);
            filterInnerLevel[mb] = interior;
            filterLimit[mb] = 2 * level + interior;
            filterHevThreshold[mb] = level >= 40 ? 2 : level >= 15 ? 1 : 0;
        } else {
            filterLimit[mb] = 0;
        }
        filterInner[mb] = is4x4 || hasCoefficients;
    }

    // ---- Reconstruction ----

    private void reconstruct(int mbX, int mbY) {
        loadBorders(mbX, mbY);
        if (rowIs4x4[mbX]) {
            int[] modes = rowSubModes[mbX];
            for (int n = 0; n < 16; n++) {
                int dst = Y_OFF + (n & 3) * 4 + (n >> 2) * 4 * BPS;
                predict4(modes[n], dst);
                inverseTransformAdd(n * 16, dst);
            }
        } else {
            predict(rowYMode[mbX], Y_OFF, 16, mbX, mbY);
            for (int n = 0; n < 16; n++) {
                inverseTransformAdd(n * 16, Y_OFF + (n & 3) * 4 + (n >> 2) * 4 * BPS);
            }
        }
        int uvMode = rowUvMode[mbX];
        predict(uvMode, U_OFF, 8, mbX, mbY);
        predict(uvMode, V_OFF, 8, mbX, mbY);
        for (int n = 0; n < 4; n++) {
            int at = (n & 1) * 4 + (n >> 1) * 4 * BPS;
            inverseTransformAdd(256 + n * 16, U_OFF + at);
            inverseTransformAdd(320 + n * 16, V_OFF + at);
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
    private void inverseTransformAdd(int in, int dst) {
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

    // ---- Loop filter (libwebp's DoFilter, macroblocks in raster order) ----

    private void loopFilter() {
        for (int mbY = 0; mbY < mbHeight; mbY++) {
            for (int mbX = 0; mbX < mbWidth; mbX++) {
                int mb = mbY * mbWidth + mbX;
                int limit = filterLimit[mb];
                if (limit == 0) {
                    continue;
                }
                int interior = filterInnerLevel[mb];
                int hev = filterHevThreshold[mb];
                boolean inner = filterInner[mb];
                int y = mbY * 16 * yStride + mbX * 16;
                if (filterType == 1) {
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

    private static int clip(int v, int max) {
        return v < 0 ? 0 : Math.min(v, max);
    }

    private int u8(int at) {
        return data[at] & 0xFF;
    }

    private static ImageDecodeException truncated(String message) {
        return new ImageDecodeException(ImageDecodeException.Reason.TRUNCATED, message);
    }

    private static ImageDecodeException corrupt(String message) {
        return new ImageDecodeException(ImageDecodeException.Reason.CORRUPT, message);
    }
}
