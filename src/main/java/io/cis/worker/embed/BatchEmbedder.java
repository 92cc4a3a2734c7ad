package io.cis.worker.embed;

import java.util.List;

/** Embeds a batch of preprocessed images; one instance per inference thread. */
public interface BatchEmbedder extends AutoCloseable {

    /** L2-normalised vectors, in the order of the inputs (each a CHW float[3*224*224]). */
    float[][] embed(List<float[]> pixels);

    @Override
    void close();
}
