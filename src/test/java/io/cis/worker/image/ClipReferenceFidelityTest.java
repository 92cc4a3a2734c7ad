package io.cis.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file in ../shared/images and ../shared/images/formats against the reference pipeline's output
 * (Hugging Face CLIPProcessor, PIL path) committed in clip-small/reference.json and clip-small/tensors:
 * the [0, 1] tensor must be within 2/255 of the reference everywhere, and files PIL refuses must be
 * refused with a typed error. The largest difference per file is printed at the end.
 */
class ClipReferenceFidelityTest {

    /** The bound, in [0, 1] units; a hair of float slack for the normalise/unnormalise round trip. */
    private static final double TOLERANCE = 2.0 / 255 + 1e-5;

    private static final ImagePreprocessor PREPROCESSOR = new ImagePreprocessor();
    private static final List<String> REPORT = new ArrayList<>();

    static Stream<JsonNode> references() throws IOException {
        JsonNode root = new ObjectMapper().readTree(TestImages.resource("/clip-small/reference.json").toFile());
        List<JsonNode> images = new ArrayList<>();
        root.get("images").forEach(images::add);
        return images.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("references")
    void matchesReference(JsonNode reference) throws Exception {
        String file = reference.get("file").asText();
        byte[] bytes = TestImages.sharedImage(file);
        assertEquals(reference.get("sha256").asText(), sha256(bytes),
                file + " changed since the reference was made; regenerate clip-small (see its README)");

        if (reference.has("error")) {
            ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> PREPROCESSOR.preprocess(bytes),
                    "PIL refuses " + file + " (" + reference.get("error").asText() + ")");
            report(file, "refused: " + e.reason() + " - " + e.getMessage());
            return;
        }

        float[] tensor = PREPROCESSOR.preprocess(bytes);
        RgbImage expected = TestImages.readPng(
                TestImages.resource("/clip-small/" + reference.get("tensor_png").asText()));
        assertEquals(ClipPreprocessor.SIZE, expected.width());
        double maxDiff = maxTensorDifference(tensor, expected.rgb());
        report(file, String.format(Locale.ROOT, "max |diff| = %.6f (%.2f/255)", maxDiff, maxDiff * 255));
        assertTrue(maxDiff <= TOLERANCE, file + ": tensor differs from the reference by " + maxDiff * 255 + "/255");
    }

    @Test
    void referenceCoversEveryTestImage() throws IOException {
        Set<String> referenced = references().map(r -> r.get("file").asText()).collect(Collectors.toSet());
        Set<String> onDisk = new TreeSet<>();
        Path root = TestImages.sharedImages();
        for (Path dir : List.of(root, root.resolve("formats"))) {
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(Files::isRegularFile)
                        .filter(p -> !p.getFileName().toString().endsWith(".md"))
                        .forEach(p -> onDisk.add(root.relativize(p).toString().replace('\\', '/')));
            }
        }
        onDisk.removeAll(referenced);
        assertTrue(onDisk.isEmpty(), "images without a reference (regenerate clip-small): " + onDisk);
    }

    /** Compares in [0, 1] units: our tensor un-normalised against the reference picture divided by 255. */
    private static double maxTensorDifference(float[] tensor, byte[] referenceHwc) {
        int plane = ClipPreprocessor.SIZE * ClipPreprocessor.SIZE;
        assertEquals(3 * plane, tensor.length);
        double max = 0;
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                double ours = ClipPreprocessor.unnormalise(tensor[c * plane + i], c);
                double theirs = (referenceHwc[i * 3 + c] & 0xFF) / 255.0;
                max = Math.max(max, Math.abs(ours - theirs));
            }
        }
        return max;
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static synchronized void report(String file, String line) {
        REPORT.add(String.format(Locale.ROOT, "%-36s %s", file, line));
    }

    @AfterAll
    static void printReport() {
        System.out.println("Preprocessing vs reference (CLIPProcessor/PIL), per file:");
        REPORT.stream().sorted().forEach(line -> System.out.println("  " + line));
    }
}
