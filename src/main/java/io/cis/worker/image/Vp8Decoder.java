package io.cis.worker.image;

import static io.cis.worker.image.Vp8Reconstructor.B_DC_PRED;
import static io.cis.worker.image.Vp8Reconstructor.B_HD_PRED;
import static io.cis.worker.image.Vp8Reconstructor.B_HE_PRED;
import static io.cis.worker.image.Vp8Reconstructor.B_HU_PRED;
import static io.cis.worker.image.Vp8Reconstructor.B_LD_PRED;
import static io.cis.worker.image.Vp8Reconstructor.B_RD_PRED;
import static io.cis.worker.image.Vp8Reconstructor.B_TM_PRED;
import static io.cis.worker.image.Vp8Reconstructor.B_VE_PRED;
import static io.cis.worker.image.Vp8Reconstructor.B_VL_PRED;
import static io.cis.worker.image.Vp8Reconstructor.B_VR_PRED;
import static io.cis.worker.image.Vp8Reconstructor.DC_PRED;
import static io.cis.worker.image.Vp8Reconstructor.H_PRED;
import static io.cis.worker.image.Vp8Reconstructor.TM_PRED;
import static io.cis.worker.image.Vp8Reconstructor.V_PRED;

import java.util.Arrays;

/**
 * Decodes a VP8 key frame, the payload of a lossy WebP, into Y, U and V planes the way libwebp does
 * (libwebp is what Pillow uses, so this is what the reference pipeline sees). VP8 reconstruction is
 * normative integer arithmetic (RFC 6386), so a correct decoder is bit-exact; TwelveMonkeys' pure-Java
 * decoder is not (its colour conversion and chroma upsampling differ by up to 38 levels on coffee.webp),
 * hence this class. The whole frame is reconstructed before the loop filter runs, which is equivalent to
 * libwebp's row-delayed filtering because intra prediction always reads unfiltered pixels.
 *
 * <p>This class reads the bitstream (frame header, per-macroblock modes, dequantised coefficients);
 * {@link Vp8Reconstructor} turns them into pixels and {@link Vp8LoopFilter} deblocks the frame.
 */
final class Vp8Decoder {

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

    // Per-row macroblock modes.
    private int[] rowSegment;
    private boolean[] rowSkip;
    private boolean[] rowIs4x4;
    private int[] rowYMode;
    private int[][] rowSubModes;
    private int[] rowUvMode;

    private final short[] coeffs = new short[384];
    private Vp8Reconstructor reconstructor;
    private Vp8LoopFilter loopFilter;

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
        if (loopFilter != null) {
            loopFilter.apply(yPlane, uPlane, vPlane, yStride, uvStride);
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
        reconstructor = new Vp8Reconstructor(yPlane, uPlane, vPlane, yStride, uvStride, mbWidth);
        loopFilter = filterType > 0 ? new Vp8LoopFilter(filterType == 1, mbWidth, mbHeight) : null;
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
        if (loopFilter != null) {
            loopFilter.setMacroblock(mbY * mbWidth + mbX, filterLevel(rowSegment[mbX], is4x4), sharpness,
                    is4x4 || !allZero);
        }
        reconstructor.reconstruct(mbX, mbY, is4x4, rowYMode[mbX], rowSubModes[mbX], rowUvMode[mbX], coeffs);
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

    /** The loop-filter level of a macroblock: frame or segment level, adjusted by the mode deltas. */
    private int filterLevel(int segment, boolean is4x4) {
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
        return clip(level, 63);
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
