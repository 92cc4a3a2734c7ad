package io.cis.worker.image;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Where the test pictures are, and reading reference pictures (8-bit RGB PNGs written by PIL). */
final class TestImages {

    private TestImages() {
    }

    /** The shared photo set, next to the project: ../shared/images. */
    static Path sharedImages() {
        return Path.of(System.getProperty("user.dir")).resolve("../shared/images").normalize();
    }

    static byte[] sharedImage(String relative) {
        return read(sharedImages().resolve(relative));
    }

    static Path resource(String name) {
        try {
            return Path.of(TestImages.class.getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource missing: " + name, e);
        }
    }

    static byte[] read(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A PNG's pixels as interleaved R, G, B bytes (grey and palette expanded, alpha dropped). */
    static RgbImage readPng(Path path) {
        try {
            BufferedImage image = ImageIO.read(path.toFile());
            int w = image.getWidth();
            int h = image.getHeight();
            byte[] rgb = new byte[w * h * 3];
            Raster raster = image.getRaster();
            if (raster.getNumBands() >= 3 && image.getColorModel().getComponentSize(0) == 8
                    && !(image.getColorModel() instanceof java.awt.image.IndexColorModel)) {
                int bands = raster.getNumBands();
                int[] row = new int[w * bands];
                for (int y = 0; y < h; y++) {
                    raster.getPixels(0, y, w, 1, row);
                    for (int x = 0; x < w; x++) {
                        for (int c = 0; c < 3; c++) {
                            rgb[(y * w + x) * 3 + c] = (byte) row[x * bands + c];
                        }
                    }
                }
            } else {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int p = image.getRGB(x, y);
                        rgb[(y * w + x) * 3] = (byte) (p >> 16);
                        rgb[(y * w + x) * 3 + 1] = (byte) (p >> 8);
                        rgb[(y * w + x) * 3 + 2] = (byte) p;
                    }
                }
            }
            return new RgbImage(w, h, rgb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Largest per-channel difference between two pictures of the same size, in levels 0..255. */
    static int maxDifference(byte[] a, byte[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("sizes differ: " + a.length + " vs " + b.length);
        }
        int max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((a[i] & 0xFF) - (b[i] & 0xFF)));
        }
        return max;
    }
}
