package io.cis.worker.image;

import java.util.Objects;

/**
 * What the pipeline calls: image bytes in, CLIP input tensor out (float[3 * 224 * 224], CHW, normalised),
 * equal to what Hugging Face's CLIPProcessor gives for the same bytes after {@code exif_transpose} and
 * {@code convert("RGB")}. Thread-safe; meant to be shared by a pool of decode threads.
 */
public final class ImagePreprocessor {

    private final ImageDecoder decoder;
    private final ClipPreprocessor clip;

    public ImagePreprocessor(ImageDecoder decoder, ClipPreprocessor clip) {
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.clip = Objects.requireNonNull(clip, "clip");
    }

    /** With PIL's default pixel limit. */
    public ImagePreprocessor() {
        this(new ImageDecoder(), new ClipPreprocessor());
    }

    /** The worker's path (the daemon, {@code embed}, the backfill): limits from settings, the given mode. */
    public static ImagePreprocessor of(DecodeLimits limits, Downscale downscale) {
        return new ImagePreprocessor(new ImageDecoder(limits, downscale), new ClipPreprocessor(downscale));
    }

    public float[] preprocess(byte[] imageBytes) throws ImageDecodeException {
        return clip.preprocess(decoder.decodeReduced(imageBytes));
    }
}
