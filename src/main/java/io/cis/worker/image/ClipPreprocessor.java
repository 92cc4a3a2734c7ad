package io.cis.worker.image;

/**
 * Hugging Face {@code CLIPImageProcessor} (the PIL path) for ViT-B/32: shorter side to 224 with PIL's
 * antialiased bicubic, centre crop 224 x 224, scale to [0, 1], normalise with CLIP's mean and std.
 * The output is one CHW float tensor of 3 x 224 x 224. Stateless and thread-safe.
 */
public final class ClipPreprocessor {

    public static final int SIZE = 224;
    public static final int TENSOR_LENGTH = 3 * SIZE * SIZE;

    private static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    private static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};

    /**
     * The fast modes resize columns first only when the picture shrinks at least this much: below it the resize is
     * cheap, and the swapped order clips the bicubic's overshoot differently, by up to 8 levels at 2x and 28 on an
     * upscaled 10 x 10 picture, against at most 4 from 4x on.
     */
    static final int COLUMNS_FIRST_MIN_SHRINK = 4;

    private final Downscale downscale;

    /** Exactly CLIPProcessor's resize. */
    public ClipPreprocessor() {
        this(Downscale.EXACT);
    }

    /**
     * @param downscale {@link Downscale#REDUCE} averages a large picture in n x n blocks first and then resizes the
     *                  small picture over the same region (Pillow's {@code reducing_gap} technique); the other modes
     *                  resize as exact does but with the passes swapped, vertical first, which is faster and not
     *                  bit-exact (see {@link ColumnsFirstResampler}); subsampling and DCT scaling happen in the
     *                  decoder
     */
    public ClipPreprocessor(Downscale downscale) {
        this.downscale = java.util.Objects.requireNonNull(downscale, "downscale");
    }

    /**
     * The 224 x 224 picture CLIP sees, as interleaved RGB bytes (before scaling and normalising):
     * the exact window of the resized picture that the centre crop keeps.
     */
    public byte[] resizeAndCrop(RgbImage image) {
        int factor = downscale == Downscale.REDUCE ? downscale.factor(image.width(), image.height()) : 1;
        if (factor >= 2) {
            return resizeAndCrop(ReducedImage.ofBoxReduced(BoxReducer.reduce(image, factor), image.width(),
                    image.height(), factor));
        }
        return resizeAndCrop(ReducedImage.whole(image));
    }

    /**
     * The same for a picture held smaller than it is: the full picture's region of it is resized, expressed in its
     * own pixels, which keeps the geometry of the full picture's resize.
     */
    byte[] resizeAndCrop(ReducedImage image) {
        int[] size = resizedSize(image.fullWidth(), image.fullHeight());
        int width = size[0];
        int height = size[1];
        // transformers' center_crop: integer halves of the excess, the odd pixel goes to the right/bottom.
        int top = (height - SIZE) / 2;
        int left = (width - SIZE) / 2;
        double shorterSide = Math.min(image.right() - image.left(), image.bottom() - image.top());
        if (downscale == Downscale.EXACT || shorterSide < COLUMNS_FIRST_MIN_SHRINK * SIZE) {
            return PilBicubicResampler.resizeWindow(image.pixels(), image.left(), image.top(), image.right(),
                    image.bottom(), width, height, left, top, SIZE, SIZE);
        }
        return ColumnsFirstResampler.resizeWindow(image.pixels(), image.left(), image.top(), image.right(),
                image.bottom(), width, height, left, top, SIZE, SIZE);
    }

    /** The normalised CHW tensor of a {@link #resizeAndCrop} picture. */
    public float[] toTensor(byte[] crop) {
        if (crop.length != SIZE * SIZE * 3) {
            throw new IllegalArgumentException("need a " + SIZE + "x" + SIZE + " RGB picture");
        }
        float[] tensor = new float[TENSOR_LENGTH];
        int plane = SIZE * SIZE;
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                // transformers rescales in float64 and casts to float32, then normalises in float32.
                float scaled = (float) ((crop[i * 3 + c] & 0xFF) * (1.0 / 255.0));
                tensor[c * plane + i] = (scaled - MEAN[c]) / STD[c];
            }
        }
        return tensor;
    }

    public float[] preprocess(RgbImage image) {
        return toTensor(resizeAndCrop(image));
    }

    float[] preprocess(ReducedImage image) {
        return toTensor(image.factor() == 1 ? resizeAndCrop(image.pixels()) : resizeAndCrop(image));
    }

    /**
     * transformers' get_resize_output_image_size(default_to_square=False): the shorter side becomes 224,
     * the longer {@code int(224 * long / short)} (truncated). Returns {width, height}.
     */
    static int[] resizedSize(int width, int height) {
        int shortSide = Math.min(width, height);
        int longSide = Math.max(width, height);
        int newLong = (int) ((double) (SIZE * (long) longSide) / shortSide);
        return width <= height ? new int[] {SIZE, newLong} : new int[] {newLong, SIZE};
    }

    /** Inverse of the normalisation, back to [0, 1]: for comparing tensors with reference pictures. */
    static float unnormalise(float value, int channel) {
        return value * STD[channel] + MEAN[channel];
    }
}
