package io.cis.worker.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The committed reference data of the small test model (src/test/resources/clip-small, written by
 * scripts/clip_model.py): the model, and per image the PIL-preprocessed crop and the reference embedding.
 */
public final class ClipReference {

    public static final Path DIR = Path.of("src/test/resources/clip-small");
    public static final Path MODEL = DIR.resolve("model.pt");
    public static final Path SHARED_IMAGES = Path.of("../shared/images");
    private static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    private static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};

    /** One reference entry: either decodable (tensor + embedding) or refused by PIL (error). */
    public record Image(String file, String tensorPng, float[] embedding, String sourceMode, String error) {
        public boolean decodable() {
            return error == null;
        }

        public Path path() {
            return SHARED_IMAGES.resolve(file);
        }
    }

    private ClipReference() {
    }

    public static JsonNode json() {
        try {
            return new ObjectMapper().readTree(DIR.resolve("reference.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The test model, loaded as the model tests load it (2 torch threads, graph optimizer on). */
    public static io.cis.worker.embed.ClipModel loadModel() {
        io.cis.worker.embed.DjlRuntime.configure(java.util.Optional.empty(), 2, 1, true);
        return io.cis.worker.embed.ClipModel.load(MODEL, modelName(), 512, java.util.Optional.empty());
    }

    public static String modelName() {
        return json().path("model").path("model_name").asText();
    }

    public static List<Image> images() {
        List<Image> images = new ArrayList<>();
        for (JsonNode node : json().path("images")) {
            images.add(new Image(node.path("file").asText(), node.path("tensor_png").asText(null),
                    node.has("embedding") ? floats(node.path("embedding")) : null,
                    node.path("source_mode").asText(null), node.has("error") ? node.path("error").asText() : null));
        }
        return images;
    }

    /** The reference entry of one file of ../shared/images (e.g. "chelsea.png"). */
    public static Image image(String file) {
        return images().stream().filter(i -> i.file().equals(file)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no reference for " + file));
    }

    /**
     * The file's bytes with a marker appended after the image data, which decoders ignore: the pixels (and so the
     * reference vector) stay the same while the MD5, the cache key, is unique to the marker (e.g. a test run).
     */
    public static byte[] bytesWithMarker(Image image, String marker) {
        try {
            byte[] file = java.nio.file.Files.readAllBytes(image.path());
            byte[] tail = marker.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] out = java.util.Arrays.copyOf(file, file.length + tail.length);
            System.arraycopy(tail, 0, out, file.length, tail.length);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }

    /** The reference crop as PIL produced it: 224x224 RGB bytes, row-major, interleaved. */
    public static int[] referenceRgb(Image image) {
        try {
            BufferedImage png = ImageIO.read(DIR.resolve(image.tensorPng()).toFile());
            int[] rgb = new int[png.getWidth() * png.getHeight() * 3];
            for (int y = 0; y < png.getHeight(); y++) {
                for (int x = 0; x < png.getWidth(); x++) {
                    int p = png.getRGB(x, y);
                    int i = (y * png.getWidth() + x) * 3;
                    rgb[i] = (p >> 16) & 0xff;
                    rgb[i + 1] = (p >> 8) & 0xff;
                    rgb[i + 2] = p & 0xff;
                }
            }
            return rgb;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The reference crop normalised as CLIPProcessor does, CHW: the model's input. */
    public static float[] referenceTensor(Image image) {
        int[] rgb = referenceRgb(image);
        int pixels = rgb.length / 3;
        float[] chw = new float[rgb.length];
        for (int i = 0; i < pixels; i++) {
            for (int c = 0; c < 3; c++) {
                chw[c * pixels + i] = (rgb[i * 3 + c] / 255f - MEAN[c]) / STD[c];
            }
        }
        return chw;
    }
}
