package io.cis.worker.bench;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * A realistic, reproducible benchmark image set made from the shared photographs: camera-sized JPEGs from 1 to 12
 * megapixels (uniform in pixel count, mean about 6.5 MP, as phones and cameras upload them; landscape and portrait;
 * quality 75-95; one in ten progressive), each with sensor-like noise so that file sizes and entropy-decoding cost are
 * those of camera photos (about 0.2 bytes per pixel) rather than of smooth upscales, and so that no two files
 * share bytes (every image is a cache miss on the first pass). One image in {@value #RENDER_EVERY} (the fifth of each
 * ten) is instead a render-like PNG, as a CG studio's bucket holds them: 1080p to 4K, 8-bit RGB, 8-bit RGBA (a soft
 * matte), 16-bit RGB or 16-bit RGBA, with faint noise. Generated once with Java ImageIO and kept on disk, keyed by
 * count and seed.
 */
public final class BenchImageSet {

    /** Bump when the generator changes, so a cached set made by an older generator is not reused. */
    static final int GENERATOR_VERSION = 4;
    static final double MIN_MEGAPIXELS = 1.0;
    static final double MAX_MEGAPIXELS = 12.0;
    static final double PROGRESSIVE_FRACTION = 0.1;
    static final double PORTRAIT_FRACTION = 0.3;
    /** Standard deviation of the added noise, in 8-bit levels. */
    static final double NOISE_SIGMA = 6.0;
    /** Image i is a render-like PNG when i % RENDER_EVERY == RENDER_EVERY / 2. */
    static final int RENDER_EVERY = 10;
    /** Render resolutions (width x height): 1080p, 1440p, a square 4K-high, 1800p and UHD 4K; mean 4.9 MP. */
    static final int[][] RENDER_SIZES = {{1920, 1080}, {2560, 1440}, {2160, 2160}, {3200, 1800}, {3840, 2160}};
    /** Noise of a render (what is left of path-tracing noise after denoising), in 8-bit levels. */
    static final double RENDER_NOISE_SIGMA = 1.5;

    /** The kinds of render PNG, chosen at random per image. */
    public enum RenderKind {
        RGB8(3, 8), RGBA8(4, 8), RGB16(3, 16), RGBA16(4, 16);

        final int bands;
        final int bits;

        RenderKind(int bands, int bits) {
            this.bands = bands;
            this.bits = bits;
        }
    }

    /** The photographs (not the format edge cases) the set is made from, relative to the shared images dir. */
    static final List<String> SOURCES = List.of("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg",
            "camera.png", "brick.png", "coins.png", "clock_motion.png", "formats/rocket-large.jpg");

    private static final String MANIFEST = "manifest.tsv";

    /** One generated file. */
    public record Image(String file, int width, int height, long bytes) {
        public double megapixels() {
            return width * (double) height / 1e6;
        }
    }

    private final Path dir;
    private final List<Image> images;

    private BenchImageSet(Path dir, List<Image> images) {
        this.dir = dir;
        this.images = List.copyOf(images);
    }

    public Path dir() {
        return dir;
    }

    public List<Image> images() {
        return images;
    }

    public Path path(Image image) {
        return dir.resolve(image.file());
    }

    /** The first n images only (all of them when n is 0 or at least the size). */
    public BenchImageSet limit(int n) {
        return n <= 0 || n >= images.size() ? this : new BenchImageSet(dir, images.subList(0, n));
    }

    public double meanMegapixels() {
        return images.stream().mapToDouble(Image::megapixels).average().orElse(0);
    }

    public long totalBytes() {
        return images.stream().mapToLong(Image::bytes).sum();
    }

    /** The directory a set of this size and seed lives in, under the cache root. */
    public static Path dirFor(Path cacheRoot, int count, long seed) {
        return cacheRoot.resolve("images-v" + GENERATOR_VERSION + "-n" + count + "-seed" + seed);
    }

    /** The set under cacheRoot, generated first if it is not there (or incomplete). */
    public static BenchImageSet loadOrGenerate(Path cacheRoot, Path sharedImages, int count, long seed, int threads,
                                               java.io.PrintStream progress) throws IOException {
        Path dir = dirFor(cacheRoot, count, seed);
        if (Files.isRegularFile(dir.resolve(MANIFEST))) {
            try {
                BenchImageSet existing = load(dir);
                if (existing.images.size() == count) {
                    return existing;
                }
            } catch (IOException | RuntimeException e) {
                // damaged or from an interrupted run: make it again
            }
        }
        return generate(dir, sharedImages, count, seed, threads, progress);
    }

    /** Reads a set written by {@link #generate}. */
    public static BenchImageSet load(Path dir) throws IOException {
        List<Image> images = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve(MANIFEST), StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            Image image = new Image(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), Long.parseLong(f[3]));
            if (!Files.isRegularFile(dir.resolve(image.file())) || Files.size(dir.resolve(image.file())) != image.bytes()) {
                throw new IOException("benchmark set " + dir + " is incomplete: " + image.file() + " is missing or changed");
            }
            images.add(image);
        }
        return new BenchImageSet(dir, images);
    }

    static BenchImageSet generate(Path dir, Path sharedImages, int count, long seed, int threads,
                                  java.io.PrintStream progress) throws IOException {
        List<BufferedImage> sources = new ArrayList<>();
        for (String name : SOURCES) {
            BufferedImage source = ImageIO.read(sharedImages.resolve(name).toFile());
            if (source == null) {
                throw new IOException("cannot read source photograph " + sharedImages.resolve(name));
            }
            sources.add(toRgb(source));
        }
        Files.createDirectories(dir);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        try {
            List<Future<Image>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                futures.add(pool.submit(() -> writeOne(dir, sources, index, seed)));
            }
            List<Image> images = new ArrayList<>();
            for (int i = 0; i < futures.size(); i++) {
                images.add(futures.get(i).get());
                if (progress != null && (i + 1) % 100 == 0) {
                    progress.printf(Locale.ROOT, "generated %d/%d images%n", i + 1, count);
                }
            }
            StringBuilder manifest = new StringBuilder("# file\twidth\theight\tbytes\n");
            images.forEach(im -> manifest.append(im.file()).append('\t').append(im.width()).append('\t')
                    .append(im.height()).append('\t').append(im.bytes()).append('\n'));
            Path tmp = dir.resolve(MANIFEST + ".tmp");
            Files.writeString(tmp, manifest, StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve(MANIFEST), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new BenchImageSet(dir, images);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("generating the benchmark set failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            pool.shutdownNow();
        }
    }

    static boolean isRender(int i) {
        return i % RENDER_EVERY == RENDER_EVERY / 2;
    }

    /** Image i of the set: everything about it follows from (seed, i), so the set is the same on every machine. */
    private static Image writeOne(Path dir, List<BufferedImage> sources, int i, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + i);
        BufferedImage source = sources.get(random.nextInt(sources.size()));
        if (isRender(i)) {
            return writeRender(dir, source, i, random);
        }
        double megapixels = MIN_MEGAPIXELS + random.nextDouble() * (MAX_MEGAPIXELS - MIN_MEGAPIXELS);
        boolean portrait = random.nextDouble() < PORTRAIT_FRACTION;
        double aspect = (double) source.getWidth() / source.getHeight();
        if (portrait == aspect > 1) {
            aspect = 1 / aspect;
        }
        int width = Math.max(16, (int) Math.round(Math.sqrt(megapixels * 1e6 * aspect)));
        int height = Math.max(16, (int) Math.round(width / aspect));
        BufferedImage picture = scale(source, width, height, portrait != (source.getWidth() < source.getHeight()));
        addNoise(picture, random.split());

        float quality = 0.75f + 0.20f * (float) random.nextDouble();
        boolean progressive = random.nextDouble() < PROGRESSIVE_FRACTION;
        byte[] encoded = encodeJpeg(picture, quality, progressive);
        String name = String.format(Locale.ROOT, "img-%05d-%dx%d%s.jpg", i, width, height, progressive ? "-prog" : "");
        Path tmp = dir.resolve(name + ".tmp");
        Files.write(tmp, encoded);
        Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return new Image(name, width, height, encoded.length);
    }

    /**
     * A render-like PNG of this kind and size made from one of the shared photographs, as the set's renders are
     * (for tests that need renders without a whole set).
     */
    public static byte[] render(Path sharedImages, String source, int width, int height, RenderKind kind, long seed)
            throws IOException {
        BufferedImage photo = ImageIO.read(sharedImages.resolve(source).toFile());
        if (photo == null) {
            throw new IOException("cannot read source photograph " + sharedImages.resolve(source));
        }
        return renderPng(scale(toRgb(photo), width, height, false), kind, new SplittableRandom(seed));
    }

    /** A render-like PNG: a smooth upscale of a photograph with faint noise, at a render resolution (see renderPng). */
    private static Image writeRender(Path dir, BufferedImage source, int i, SplittableRandom random) throws IOException {
        int[] size = RENDER_SIZES[random.nextInt(RENDER_SIZES.length)];
        RenderKind kind = RenderKind.values()[random.nextInt(RenderKind.values().length)];
        int width = size[0];
        int height = size[1];
        BufferedImage picture = scale(source, width, height, false);
        byte[] encoded = renderPng(picture, kind, random.split());
        String name = String.format(Locale.ROOT, "img-%05d-%dx%d-%s.png", i, width, height,
                kind.name().toLowerCase(Locale.ROOT));
        Path tmp = dir.resolve(name + ".tmp");
        Files.write(tmp, encoded);
        Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return new Image(name, width, height, encoded.length);
    }

    /**
     * The picture (TYPE_3BYTE_BGR) as a render of this kind, written as a PNG by libpng (OpenCV's imencode) with
     * zlib level 6 and libpng's adaptive per-row filters, as Pillow, Blender and most tools write them (ImageIO's
     * writer filters no row, which makes files half again as large and cheaper to unfilter than real ones). 16-bit
     * samples are the 8-bit ones x 257 with the noise at 16-bit precision (so the low bytes carry information, as a
     * real 16-bit render's do); the alpha is a soft elliptical matte, opaque in the middle, clear in the corners.
     */
    static byte[] renderPng(BufferedImage picture, RenderKind kind, SplittableRandom random) throws IOException {
        int w = picture.getWidth();
        int h = picture.getHeight();
        int bands = kind.bands;
        byte[] bgr = ((DataBufferByte) picture.getRaster().getDataBuffer()).getData();
        int max = kind.bits == 16 ? 65535 : 255;
        double scale = kind.bits == 16 ? 257 : 1;
        int[] noise = new int[1 << 16];
        java.util.Random gaussian = new java.util.Random(random.nextLong());
        for (int n = 0; n < noise.length; n++) {
            noise[n] = (int) Math.round(gaussian.nextGaussian() * RENDER_NOISE_SIGMA * scale);
        }
        // OpenCV's channel order: B, G, R(, A), like the source's.
        int[] samples = new int[w * h * bands];
        for (int y = 0, p = 0, q = 0; y < h; y++) {
            for (int x = 0; x < w; x++, p += 3, q += bands) {
                for (int c = 0; c < 3; c++) {
                    int v = (int) Math.round((bgr[p + c] & 0xFF) * scale) + noise[random.nextInt() & 0xFFFF];
                    samples[q + c] = v < 0 ? 0 : Math.min(v, max);
                }
                if (bands == 4) {
                    double dx = (x + 0.5) / w * 2 - 1;
                    double dy = (y + 0.5) / h * 2 - 1;
                    double a = Math.max(0, Math.min(1, (1.3 - Math.sqrt(dx * dx + dy * dy)) / 0.4));
                    samples[q + 3] = (int) Math.round(a * max);
                }
            }
        }
        org.bytedeco.javacpp.Loader.load(org.bytedeco.opencv.global.opencv_imgcodecs.class);
        int type = org.bytedeco.opencv.global.opencv_core.CV_MAKETYPE(
                kind.bits == 16 ? org.bytedeco.opencv.global.opencv_core.CV_16U : org.bytedeco.opencv.global.opencv_core.CV_8U,
                bands);
        try (org.bytedeco.opencv.opencv_core.Mat mat = new org.bytedeco.opencv.opencv_core.Mat(h, w, type);
             org.bytedeco.javacpp.BytePointer out = new org.bytedeco.javacpp.BytePointer();
             org.bytedeco.javacpp.IntPointer params = new org.bytedeco.javacpp.IntPointer(
                     org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_PNG_COMPRESSION, 6,
                     org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_PNG_FILTER,
                     org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_PNG_ALL_FILTERS)) {
            if (kind.bits == 16) {
                short[] data = new short[samples.length];
                for (int i = 0; i < data.length; i++) {
                    data[i] = (short) samples[i];
                }
                new org.bytedeco.javacpp.ShortPointer(mat.data()).put(data);
            } else {
                byte[] data = new byte[samples.length];
                for (int i = 0; i < data.length; i++) {
                    data[i] = (byte) samples[i];
                }
                mat.data().put(data);
            }
            if (!org.bytedeco.opencv.global.opencv_imgcodecs.imencode(".png", mat, out, params)) {
                throw new IOException("libpng could not write a " + kind + " render");
            }
            byte[] png = new byte[(int) out.limit()];
            out.get(png);
            return png;
        }
    }

    private static BufferedImage toRgb(BufferedImage image) {
        BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = rgb.createGraphics();
        g.drawImage(image, 0, 0, null);
        g.dispose();
        return rgb;
    }

    /** Bicubic resize to width x height, turned a quarter if the orientation flips. */
    private static BufferedImage scale(BufferedImage source, int width, int height, boolean rotate) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        AffineTransform t = new AffineTransform();
        if (rotate) {
            t.translate(width, 0);
            t.rotate(Math.PI / 2);
            t.scale((double) height / source.getWidth(), (double) width / source.getHeight());
        } else {
            t.scale((double) width / source.getWidth(), (double) height / source.getHeight());
        }
        g.drawImage(source, t, null);
        g.dispose();
        return out;
    }

    /** Gaussian noise, the same on every channel's scale; clipped to 0..255. */
    private static void addNoise(BufferedImage image, SplittableRandom random) {
        byte[] data = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        // A table of 64k Gaussian samples indexed at random: as good as fresh samples for texture, much cheaper.
        int[] table = new int[1 << 16];
        java.util.Random gaussian = new java.util.Random(random.nextLong());
        for (int i = 0; i < table.length; i++) {
            table[i] = (int) Math.round(gaussian.nextGaussian() * NOISE_SIGMA);
        }
        for (int i = 0; i < data.length; i++) {
            int v = (data[i] & 0xFF) + table[random.nextInt() & 0xFFFF];
            data[i] = (byte) (v < 0 ? 0 : Math.min(v, 255));
        }
    }

    /** The picture as a baseline (or progressive) 4:2:0 JPEG of this quality, as cameras write them. */
    public static byte[] encodeJpeg(BufferedImage image, float quality, boolean progressive) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            if (progressive) {
                param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
                writer.setOutput(stream);
                writer.write(null, new IIOImage(image, null, null), param);
            }
            return out.toByteArray();
        } finally {
            writer.dispose();
        }
    }
}
