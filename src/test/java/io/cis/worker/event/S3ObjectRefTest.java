package io.cis.worker.event;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class S3ObjectRefTest {

    @Test
    void s3UrlKeepsTheKeyAsIsSoLogsShowTheRealName() {
        S3ObjectRef ref = new S3ObjectRef("cis-files", "holiday photos/caf\u00e9+1.jpg", "v1", 12L, "abc");

        assertEquals("s3://cis-files/holiday photos/caf\u00e9+1.jpg", ref.s3Url());
    }

    @Test
    void keepsVersionSizeAndETag() {
        S3ObjectRef ref = new S3ObjectRef("b", "k.jpg", "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrH", 2483519L, "9b2cf535");

        assertEquals("3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrH", ref.versionId());
        assertEquals(2483519L, ref.size());
        assertEquals("9b2cf535", ref.eTag());
    }

    @Test
    void theQuotesListObjectsV2AndHeadObjectPutAroundTheETagAreDropped() {
        assertEquals("9b2cf535f27731c974343645a3985328",
                new S3ObjectRef("b", "k.jpg", null, null, "\"9b2cf535f27731c974343645a3985328\"").eTag());
        assertNull(new S3ObjectRef("b", "k.jpg", null, null, "\"\"").eTag());
    }

    @Test
    void blankVersionAndETagMeanAbsent() {
        S3ObjectRef ref = new S3ObjectRef("b", "k.jpg", "", null, " ");

        assertNull(ref.versionId());
        assertNull(ref.eTag());
        assertNull(ref.size());
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "\t"})
    void rejectsBlankBucket(String bucket) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> S3ObjectRef.of(bucket, "k.jpg"));
        assertTrue(e.getMessage().contains("bucket"), e.getMessage());
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "\n"})
    void rejectsBlankKeyAndNamesTheBucket(String key) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> S3ObjectRef.of("cis-files", key));
        assertTrue(e.getMessage().contains("key") && e.getMessage().contains("cis-files"), e.getMessage());
    }

    @Test
    void rejectsNegativeSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new S3ObjectRef("b", "k.jpg", null, -1L, null));
        assertTrue(e.getMessage().contains("s3://b/k.jpg"), e.getMessage());
    }
}
