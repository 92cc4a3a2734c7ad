package io.cis.worker.event;

import io.cis.worker.core.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ObjectFilterTest {

    private static final long TEN_MB = 10L * 1024 * 1024;

    private final ObjectFilter defaults = ObjectFilter.withDefaults();

    @ParameterizedTest(name = "{0} is an image")
    @ValueSource(strings = {
            "photos/cat.jpg", "photos/CAT.JPG", "scans/page.JPEG", "a/b/c/d.jpeg", "icon.png", "anim.gif",
            "old.bmp", "scan.tif", "scan.Tiff", "modern.WebP", "holiday photos/caf\u00e9 (1).jpg", "v1.2/shot.final.png"})
    void acceptsEveryDefaultImageExtensionInAnyCase(String key) {
        assertEquals(FilterDecision.ACCEPT, defaults.classify(S3ObjectRef.of("b", key)));
    }

    @ParameterizedTest(name = "{0} is not an image")
    @ValueSource(strings = {
            "docs/readme", "docs/report.pdf", "photos/", "album.jpg/notes.txt", "album.jpg/readme", "photo.",
            ".jpg", "photos/.png", "archive.jpg.zip", "x.jpgx", "x.heic", "jpg"})
    void skipsKeysWithoutAnAcceptedExtension(String key) {
        assertEquals(FilterDecision.SKIP_NOT_IMAGE, defaults.classify(S3ObjectRef.of("b", key)));
    }

    @Test
    void prefixesAreMatchedCaseSensitivelyLikeS3Keys() {
        ObjectFilter filter = new ObjectFilter(ObjectFilter.DEFAULT_IMAGE_EXTENSIONS, List.of("photos/", "scans/"), TEN_MB);

        assertEquals(FilterDecision.ACCEPT, filter.classify(S3ObjectRef.of("b", "photos/a.jpg")));
        assertEquals(FilterDecision.ACCEPT, filter.classify(S3ObjectRef.of("b", "scans/2023/b.tiff")));
        assertEquals(FilterDecision.SKIP_PREFIX, filter.classify(S3ObjectRef.of("b", "other/a.jpg")));
        assertEquals(FilterDecision.SKIP_PREFIX, filter.classify(S3ObjectRef.of("b", "Photos/a.jpg")));
        assertEquals(FilterDecision.SKIP_PREFIX, filter.classify(S3ObjectRef.of("b", "photos.jpg")));
    }

    @Test
    void prefixIsCheckedBeforeExtension() {
        ObjectFilter filter = new ObjectFilter(ObjectFilter.DEFAULT_IMAGE_EXTENSIONS, List.of("photos/"), TEN_MB);

        assertEquals(FilterDecision.SKIP_PREFIX, filter.classify(S3ObjectRef.of("b", "docs/report.pdf")));
        assertEquals(FilterDecision.SKIP_NOT_IMAGE, filter.classify(S3ObjectRef.of("b", "photos/report.pdf")));
    }

    @ParameterizedTest(name = "size {0} -> {1}")
    @CsvSource({
            "0, ACCEPT",
            "10485759, ACCEPT",
            "10485760, ACCEPT",
            "10485761, TOO_LARGE",
            "5497558138880, TOO_LARGE"})
    void sizeLimitIsInclusiveAndDefaultsToTenMegabytes(long size, FilterDecision expected) {
        assertEquals(expected, defaults.classify(new S3ObjectRef("b", "big.jpg", null, size, null)));
    }

    @Test
    void unknownSizeIsAcceptedBecauseTheFetchStageEnforcesTheLimit() {
        assertEquals(FilterDecision.ACCEPT, defaults.classify(new S3ObjectRef("b", "big.jpg", null, null, null)));
    }

    @Test
    void aKeyWeWouldSkipIsSkippedEvenWhenTooLarge() {
        ObjectFilter filter = new ObjectFilter(ObjectFilter.DEFAULT_IMAGE_EXTENSIONS, List.of("photos/"), 100);

        assertEquals(FilterDecision.SKIP_NOT_IMAGE, filter.classify(new S3ObjectRef("b", "photos/movie.mp4", null, 5000L, null)));
        assertEquals(FilterDecision.SKIP_PREFIX, filter.classify(new S3ObjectRef("b", "other/a.jpg", null, 5000L, null)));
        assertEquals(FilterDecision.TOO_LARGE, filter.classify(new S3ObjectRef("b", "photos/a.jpg", null, 101L, null)));
    }

    @Test
    void customExtensionsAreNormalisedAndReplaceTheDefaults() {
        ObjectFilter filter = new ObjectFilter(List.of(".PNG", " Jpg "), List.of(), TEN_MB);

        assertEquals(FilterDecision.ACCEPT, filter.classify(S3ObjectRef.of("b", "a.png")));
        assertEquals(FilterDecision.ACCEPT, filter.classify(S3ObjectRef.of("b", "a.JPG")));
        assertEquals(FilterDecision.SKIP_NOT_IMAGE, filter.classify(S3ObjectRef.of("b", "a.gif")));
    }

    @Test
    void skipDecisionsMapToReasons() {
        assertEquals(Optional.of(Reason.NOT_AN_IMAGE), FilterDecision.SKIP_NOT_IMAGE.skipReason());
        assertEquals(Optional.of(Reason.PREFIX_FILTERED), FilterDecision.SKIP_PREFIX.skipReason());
        assertEquals(Optional.empty(), FilterDecision.ACCEPT.skipReason());
        assertEquals(Optional.empty(), FilterDecision.TOO_LARGE.skipReason());
    }

    @Test
    void rejectsConfigurationThatWouldSilentlySkipEverything() {
        assertMessage("at least one image extension", () -> new ObjectFilter(Set.of(), List.of(), TEN_MB));
        assertMessage("blank entry", () -> new ObjectFilter(List.of("jpg", " "), List.of(), TEN_MB));
        assertMessage("blank entry", () -> new ObjectFilter(List.of("."), List.of(), TEN_MB));
        assertMessage("blank entry", () -> new ObjectFilter(Arrays.asList("jpg", null), List.of(), TEN_MB));
        assertMessage("key prefixes must not contain a blank entry",
                () -> new ObjectFilter(ObjectFilter.DEFAULT_IMAGE_EXTENSIONS, List.of("photos/", ""), TEN_MB));
        assertMessage("at least 1 byte", () -> new ObjectFilter(ObjectFilter.DEFAULT_IMAGE_EXTENSIONS, List.of(), 0));
    }

    @Test
    void nullPrefixListMeansEveryPrefix() {
        ObjectFilter filter = new ObjectFilter(ObjectFilter.DEFAULT_IMAGE_EXTENSIONS, null, TEN_MB);

        assertEquals(FilterDecision.ACCEPT, filter.classify(S3ObjectRef.of("b", "anywhere/a.jpg")));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable construct) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construct);
        assertTrue(e.getMessage().contains(expected), () -> "expected \"" + expected + "\" in: " + e.getMessage());
    }

    @Test
    void aBucketOutsideTheAllowListIsSkippedBeforeAnythingElseIsJudged() {
        ObjectFilter filter = new ObjectFilter(ObjectFilter.DEFAULT_IMAGE_EXTENSIONS, List.of("photos/"), TEN_MB,
                BucketAllowList.of(List.of("trusted")));

        assertEquals(FilterDecision.ACCEPT, filter.classify(S3ObjectRef.of("trusted", "photos/a.jpg")));
        assertEquals(FilterDecision.SKIP_BUCKET, filter.classify(S3ObjectRef.of("stranger", "photos/a.jpg")));
        // Even what would be another skip or a failure: nothing about a foreign bucket's object is ours to judge.
        assertEquals(FilterDecision.SKIP_BUCKET, filter.classify(S3ObjectRef.of("stranger", "docs/report.pdf")));
        assertEquals(FilterDecision.SKIP_BUCKET,
                filter.classify(new S3ObjectRef("stranger", "photos/huge.jpg", null, TEN_MB + 1, null)));
        assertEquals(Optional.of(Reason.BUCKET_NOT_ALLOWED), FilterDecision.SKIP_BUCKET.skipReason());
    }

    @Test
    void withoutAnAllowListEveryBucketIsAccepted() {
        assertEquals(FilterDecision.ACCEPT, defaults.classify(S3ObjectRef.of("any-bucket-at-all", "a.jpg")));
        assertTrue(defaults.buckets().allowsAny());
    }
}
