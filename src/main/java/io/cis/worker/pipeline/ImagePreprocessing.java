package io.cis.worker.pipeline;

/** Decodes and preprocesses one image; any exception means the image itself is unusable (a permanent failure). */
@FunctionalInterface
public interface ImagePreprocessing {
    float[] preprocess(byte[] bytes) throws Exception;
}
