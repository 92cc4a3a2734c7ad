package io.cis.worker.backfill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.core.Reason;
import io.cis.worker.fetch.BucketOwners;
import io.cis.worker.testing.RecordingS3;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.SdkHttpRequest;

/** The S3 backfill source's ListObjectsV2 calls, through the SDK against a recording stand-in for S3. */
class S3BackfillSourceTest {

    private static final BucketOwners OWNERS = BucketOwners.parse(List.of("111122223333"));

    /** Two pages: the first truncated with a continuation token, the second the last. */
    private static RecordingS3.Answer listing(SdkHttpRequest request) {
        boolean second = request.firstMatchingRawQueryParameter("continuation-token").isPresent();
        String contents = second ? "<Contents><Key>b.jpg</Key><Size>2</Size><ETag>\"e2\"</ETag></Contents>"
                : "<Contents><Key>a.jpg</Key><Size>1</Size><ETag>\"e1\"</ETag></Contents>";
        return RecordingS3.Answer.ok(Map.of("Content-Type", "application/xml"),
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                        + "<Name>photos</Name><Prefix></Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys>"
                        + "<IsTruncated>" + !second + "</IsTruncated>"
                        + (second ? "" : "<NextContinuationToken>page2</NextContinuationToken>")
                        + contents + "</ListBucketResult>");
    }

    @Test
    void everyPageOfTheListingCarriesTheExpectedOwner() throws Exception {
        RecordingS3 http = new RecordingS3(S3BackfillSourceTest::listing);
        try (S3BackfillSource source = new S3BackfillSource(http.client(), "photos", "", Slice.ALL, OWNERS)) {
            assertEquals("a.jpg", source.nextPage().get(0).object().key());
            assertEquals("b.jpg", source.nextPage().get(0).object().key());
            assertEquals(List.of(), source.nextPage());
        }
        assertEquals(2, http.requests().size());
        assertEquals(List.of("111122223333", "111122223333"), http.expectedOwners());
        assertEquals(List.of("page2"), http.requests().get(1).rawQueryParameters().get("continuation-token"));
    }

    @Test
    void aDeniedListingWithAnOwnerEndsTheSelectionAsAnOwnerMismatch() {
        RecordingS3 http = new RecordingS3(r -> RecordingS3.Answer.accessDenied());
        try (S3BackfillSource source = new S3BackfillSource(http.client(), "photos", "", Slice.ALL, OWNERS)) {
            SourceRefusedException e = assertThrows(SourceRefusedException.class, source::nextPage);
            assertEquals(Reason.BUCKET_OWNER_MISMATCH, e.reason());
            assertTrue(e.getMessage().contains("s3://photos") && e.getMessage().contains("111122223333"), e.getMessage());
        }
    }
}
