package io.cis.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PIL's semantics case by case: 16-bit colour and grey, alpha, palette transparency, bilevel, CMYK in JPEG
 * and TIFF, EXIF orientation 2-8 in JPEG, PNG (eXIf and XMP), WebP and TIFF, and lossy WebP with the
 * VP8 features coffee.webp does not use. Each case file NAME in pil-cases/ comes with NAME.pil.png,
 * the picture PIL produced (see make_pil_cases.py there); the decoder must reproduce it exactly.
 */
class ImageDecoderPilCasesTest {

    private final ImageDecoder decoder = new ImageDecoder();

    static Stream<String> cases() throws IOException {
        try (Stream<Path> files = Files.list(TestImages.resource("pil-cases"))) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> !n.endsWith(".pil.png") && !n.endsWith(".py"))
                    .sorted()
                    .toList()
                    .stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decodesAsPilDoes(String name) throws Exception {
        Path dir = TestImages.resource("pil-cases");
        RgbImage expected = TestImages.readPng(dir.resolve(name + ".pil.png"));

        RgbImage actual = decoder.decode(TestImages.read(dir.resolve(name)));

        assertEquals(expected.width() + "x" + expected.height(), actual.width() + "x" + actual.height(), "size");
        assertEquals(0, TestImages.maxDifference(expected.rgb(), actual.rgb()), "largest channel difference");
    }
}
