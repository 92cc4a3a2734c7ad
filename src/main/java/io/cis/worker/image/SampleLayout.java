package io.cis.worker.image;

/**
 * Where a decoded pixel's R, G and B bytes sit in a row of raw samples: R at byte {@code red} of each pixel of
 * {@code bytesPerPixel} bytes, G and B {@code sampleStep} and twice that further on (for 16-bit samples, their high
 * bytes, which is all PIL keeps); for grey, the one grey byte three times (step 0).
 */
record SampleLayout(int bytesPerPixel, int red, int sampleStep) {

    SampleLayout {
        if (bytesPerPixel < 1 || red < 0 || sampleStep < 0 || red + 2 * sampleStep >= bytesPerPixel) {
            throw new IllegalArgumentException("no RGB in " + bytesPerPixel + " bytes at " + red + " step " + sampleStep);
        }
    }

    static SampleLayout grey(int bytesPerPixel, int grey) {
        return new SampleLayout(bytesPerPixel, grey, 0);
    }

    /**
     * One number per kind of pixel the row loops specialise on (1 and 2 bytes of grey; 3, 4, 6 and 8 bytes of colour):
     * the loops are entered with the pixel size and step as literals, so that once the JIT inlines them they count
     * in constant steps, a third less time per byte than the same loop over a variable stride (measured on 4K rows).
     */
    int kind() {
        return bytesPerPixel * 4 + sampleStep;
    }
}
