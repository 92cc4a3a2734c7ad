package io.cis.worker.fault;

import io.cis.worker.testing.ClipReference;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pictures the fault tests upload: small decodable photos from ../shared/images with their reference
 * embeddings, so every document's vector can be checked against the photo it came from. Small, because the local
 * S3 keeps every object in a 256 MB heap; distinct, because no two of them have reference vectors within the
 * tests' similarity threshold of each other (horse-alpha.webp is left out: it is horse.png with an alpha channel).
 */
final class Photos {

    /** A test photo: its file under ../shared/images, its bytes and the reference embedding of the small model. */
    record Photo(String file, byte[] bytes, float[] embedding) {
        String extension() {
            return file.substring(file.lastIndexOf('.') + 1);
        }

        String baseName() {
            String name = file.substring(file.lastIndexOf('/') + 1);
            return name.substring(0, name.lastIndexOf('.'));
        }
    }

    /** Ten photos of 0.3 to 60 KB. */
    static final List<String> SMALL = List.of("clock_motion.png", "horse.png", "no_time_for_that_tiny.gif",
            "palette_color.png", "text.png", "formats/camera-gray.jpg", "formats/chelsea-exif-rotated.jpg",
            "formats/chelsea-tiny.png", "formats/coffee-panorama.png", "formats/coffee.webp");
    /** Four photos under 20 KB, for the 10,000-message run. */
    static final List<String> TINY = List.of("horse.png", "no_time_for_that_tiny.gif", "palette_color.png",
            "formats/chelsea-tiny.png");
    /** Files every decoder refuses: the corrupt-image poison. */
    static final List<String> CORRUPT = List.of("truncated.jpg", "formats/random-bytes.png", "formats/empty.jpg",
            "formats/text-as-image.jpg");

    /** Two vectors from different photos are never this close; the same photo through the worker always is. */
    static final double SAME_PHOTO_COSINE = 0.999;

    private Photos() {
    }

    static List<Photo> load(List<String> files) {
        Map<String, float[]> embeddings = new java.util.HashMap<>();
        for (ClipReference.Image image : ClipReference.images()) {
            if (image.decodable()) {
                embeddings.put(image.file(), image.embedding());
            }
        }
        List<Photo> photos = new ArrayList<>();
        for (String file : files) {
            photos.add(new Photo(file, bytes(file), embeddings.get(file)));
        }
        return photos;
    }

    static byte[] bytes(String file) {
        try {
            return Files.readAllBytes(ClipReference.SHARED_IMAGES.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    static Set<String> names(List<Photo> photos) {
        Set<String> names = new java.util.HashSet<>();
        photos.forEach(p -> names.add(p.file()));
        return names;
    }
}
