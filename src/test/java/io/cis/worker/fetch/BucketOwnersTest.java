package io.cis.worker.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.S3Exception;

class BucketOwnersTest {

    @Test
    void oneAccountOwnsEveryBucket() {
        BucketOwners owners = BucketOwners.parse(List.of("111122223333"));
        assertEquals("111122223333", owners.ownerOf("photos"));
        assertEquals("111122223333", owners.ownerOf("anything"));
        assertEquals("111122223333", owners.toString());
    }

    @Test
    void pairsNameTheOwnerOfTheirBucketAndWinOverTheBareId() {
        BucketOwners owners = BucketOwners.parse(List.of("photos=111122223333", "scans = 444455556666", "999988887777"));
        assertEquals("111122223333", owners.ownerOf("photos"));
        assertEquals("444455556666", owners.ownerOf("scans"));
        assertEquals("999988887777", owners.ownerOf("elsewhere"));
        assertEquals("999988887777,photos=111122223333,scans=444455556666", owners.toString());

        BucketOwners onlyPairs = BucketOwners.parse(List.of("photos=111122223333"));
        assertNull(onlyPairs.ownerOf("scans"), "no owner expected for a bucket not named: no header");
    }

    @Test
    void emptyMeansNoHeader() {
        BucketOwners none = BucketOwners.parse(List.of());
        assertTrue(none.isEmpty());
        assertNull(none.ownerOf("photos"));
        assertEquals("none", none.toString());
    }

    @Test
    void refusesWhatIsNoAccountId() {
        for (List<String> bad : List.of(List.of("1234"), List.of("photos=abc"), List.of("=111122223333"),
                List.of("111122223333", "444455556666"), List.of("p=111122223333", "p=444455556666"),
                List.of("arn:aws:iam::111122223333:root"))) {
            assertThrows(IllegalArgumentException.class, () -> BucketOwners.parse(bad), bad.toString());
        }
    }

    private static S3Exception s3Error(int status, String code) {
        return (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build();
    }

    @Test
    void onlyAnAccessDenialToARequestWithAnOwnerIsAMismatch() {
        assertTrue(BucketOwners.isOwnerMismatch(s3Error(403, "AccessDenied"), "111122223333"));
        assertTrue(BucketOwners.isOwnerMismatch(s3Error(403, null), "111122223333"), "a HEAD's 403 has no body");
        assertFalse(BucketOwners.isOwnerMismatch(s3Error(403, "AccessDenied"), null), "no owner sent: a plain denial");
        assertFalse(BucketOwners.isOwnerMismatch(s3Error(403, "ExpiredToken"), "111122223333"));
        assertFalse(BucketOwners.isOwnerMismatch(s3Error(403, "RequestTimeTooSkewed"), "111122223333"));
        assertFalse(BucketOwners.isOwnerMismatch(s3Error(403, "InvalidObjectState"), "111122223333"));
        assertFalse(BucketOwners.isOwnerMismatch(s3Error(404, "NoSuchKey"), "111122223333"));
    }
}
