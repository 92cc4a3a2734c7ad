package io.cis.worker.embed;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Runs batches of preprocessed images through the model. Owns one predictor and one reusable input buffer, so it
 * belongs to exactly one thread.
 */
public final class ImageEmbedder implements BatchEmbedder {

    public static final int IMAGE_SIZE = 224;
    public static final int PIXELS_PER_IMAGE = 3 * IMAGE_SIZE * IMAGE_SIZE;

    private final ZooModel<NDList, NDList> model;
    private final Predictor<NDList, NDList> predictor;
    private final int dimension;
    private final int maxBatchSize;
    private final FloatBuffer input;

    ImageEmbedder(ZooModel<NDList, NDList> model, int dimension, int maxBatchSize) {
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("maxBatchSize must be positive");
        }
        this.model = model;
        this.predictor = model.newPredictor();
        this.dimension = dimension;
        this.maxBatchSize = maxBatchSize;
        this.input = ByteBuffer.allocateDirect(maxBatchSize * PIXELS_PER_IMAGE * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }

    /**
     * Embeds up to maxBatchSize images, each a CHW float[3*224*224] normalised tensor; returns L2-normalised
     * vectors in the same order.
     */
    @Override
    public float[][] embed(List<float[]> pixels) {
        float[] flat = forward(pixels);
        int n = pixels.size();
        if (flat.length != n * dimension) {
            throw new EmbeddingException("model returned " + flat.length + " values for " + n + " images, expected "
                    + n + "x" + dimension);
        }
        float[][] vectors = new float[n][];
        for (int i = 0; i < n; i++) {
            float[] vector = new float[dimension];
            System.arraycopy(flat, i * dimension, vector, 0, dimension);
            vectors[i] = VectorMath.l2Normalize(vector);
        }
        return vectors;
    }

    /** The per-image output width of the model, for the load-time dimension check. */
    int rawOutputDimension(float[] onePixelTensor) {
        return forward(List.of(onePixelTensor)).length;
    }

    private float[] forward(List<float[]> pixels) {
        int n = pixels.size();
        if (n == 0 || n > maxBatchSize) {
            throw new IllegalArgumentException("batch of " + n + " images, this embedder takes 1.." + maxBatchSize);
        }
        input.clear();
        for (float[] image : pixels) {
            if (image.length != PIXELS_PER_IMAGE) {
                throw new IllegalArgumentException("expected " + PIXELS_PER_IMAGE + " floats per image, got " + image.length);
            }
            input.put(image);
        }
        input.flip();
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDArray batch = manager.create(input, new Shape(n, 3, IMAGE_SIZE, IMAGE_SIZE));
            NDList output = predictor.predict(new NDList(batch));
            return output.singletonOrThrow().toFloatArray();
        } catch (TranslateException | RuntimeException e) {
            throw new EmbeddingException("inference failed for a batch of " + n + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        predictor.close();
    }
}
