package io.cis.worker.image;

import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * The probability and quantiser tables of the VP8 format (RFC 6386), about 3,000 fixed numbers.
 * Rather than keep a second copy, we read them from the copy inside TwelveMonkeys' WebP plugin, a
 * dependency we ship anyway. They are package-private there, so a TwelveMonkeys upgrade could move them:
 * the class then fails to load with a message naming the cause, and the WebP cases of
 * ImageDecoderPilCasesTest and ClipReferenceFidelityTest fail loudly.
 * A few spec values are checked so that a changed table cannot go unnoticed either.
 */
final class Vp8Tables {

    private static final String SOURCE = "com.twelvemonkeys.imageio.plugins.webp.vp8.Globals";

    /** Default token probabilities [type][band][context][node]. */
    static final int[][][][] DEFAULT_COEFF_PROBS;
    /** Probability that a token probability is updated in the frame header, same shape. */
    static final int[][][][] COEFF_UPDATE_PROBS;
    /** Key-frame sub-block mode probabilities [above mode][left mode][node], RFC mode numbering. */
    static final int[][][] KEY_FRAME_SUBBLOCK_MODE_PROBS;
    /** Quantiser step for DC and AC coefficients by quantiser index 0..127. */
    static final int[] DC_QUANT;
    static final int[] AC_QUANT;

    static {
        try {
            Class<?> globals = Class.forName(SOURCE);
            Method defaults = globals.getDeclaredMethod("getDefaultCoefProbs");
            defaults.setAccessible(true);
            DEFAULT_COEFF_PROBS = (int[][][][]) defaults.invoke(null);
            COEFF_UPDATE_PROBS = (int[][][][]) field(globals, "vp8CoefUpdateProbs");
            KEY_FRAME_SUBBLOCK_MODE_PROBS = (int[][][]) field(globals, "vp8KeyFrameSubBlockModeProb");
            DC_QUANT = (int[]) field(globals, "vp8DcQLookup");
            AC_QUANT = (int[]) field(globals, "vp8AcQLookup");
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("VP8 tables not found in TwelveMonkeys (" + SOURCE + ")", e);
        }
        boolean asSpecified = DC_QUANT.length == 128 && DC_QUANT[0] == 4 && DC_QUANT[127] == 157
                && AC_QUANT.length == 128 && AC_QUANT[0] == 4 && AC_QUANT[127] == 284
                && DEFAULT_COEFF_PROBS[0][1][0][0] == 253 && DEFAULT_COEFF_PROBS[3][7][2][0] == 238
                && COEFF_UPDATE_PROBS[0][1][0][0] == 176 && COEFF_UPDATE_PROBS[3][7][2][10] == 255
                && KEY_FRAME_SUBBLOCK_MODE_PROBS[0][0][0] == 231 && KEY_FRAME_SUBBLOCK_MODE_PROBS[9][9][8] == 24;
        if (!asSpecified) {
            throw new IllegalStateException("VP8 tables in TwelveMonkeys (" + SOURCE + ") differ from RFC 6386");
        }
    }

    private Vp8Tables() {
    }

    private static Object field(Class<?> owner, String name) throws ReflectiveOperationException {
        Field f = owner.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(null);
    }
}
