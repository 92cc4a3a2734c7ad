package io.cis.worker.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchImageSetTest {

    private static final Path SHARED = Path.of(System.getProperty("user.dir")).resolve("../shared/images").normalize();

    @TempDir
    Path cache;

    @Test
    void aGeneratedSetIsReadableUniqueInRangeAndReusedFromDisk() throws Exception {
        BenchImageSet set = BenchImageSet.loadOrGenerate(cache, SHARED, 6, 7, 2, null);
        assertEquals(6, set.images().size());
        Set<String> hashes = new HashSet<>();
        for (BenchImageSet.Image image : set.images()) {
            byte[] bytes = Files.readAllBytes(set.path(image));
            assertEquals(image.bytes(), bytes.length);
            hashes.add(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes)));
            assertTrue(image.megapixels() >= BenchImageSet.MIN_MEGAPIXELS * 0.98
                    && image.megapixels() <= BenchImageSet.MAX_MEGAPIXELS * 1.02, image.toString());
            var decoded = ImageIO.read(set.path(image).toFile());
            assertEquals(image.width(), decoded.getWidth());
            assertEquals(image.height(), decoded.getHeight());
        }
        assertEquals(6, hashes.size(), "every image must be a cache miss on the first pass");
        assertEquals(1, set.images().stream().filter(i -> i.file().endsWith(".png")).count(), "one render in ten");
        BenchImageSet.Image render = set.images().get(5);
        assertTrue(render.file().endsWith(".png"), render.file());
        assertTrue(render.width() >= 1920 && render.height() >= 1080, render.toString());

        long modified = Files.getLastModifiedTime(set.path(set.images().get(0))).toMillis();
        BenchImageSet again = BenchImageSet.loadOrGenerate(cache, SHARED, 6, 7, 2, null);
        assertEquals(set.images(), again.images());
        assertEquals(modified, Files.getLastModifiedTime(again.path(again.images().get(0))).toMillis(), "reused, not regenerated");
    }

    @Test
    void aDamagedSetIsNotUsed() throws IOException {
        BenchImageSet set = BenchImageSet.loadOrGenerate(cache, SHARED, 2, 7, 1, null);
        Files.delete(set.path(set.images().get(1)));
        assertThrows(IOException.class, () -> BenchImageSet.load(set.dir()));
    }
}
