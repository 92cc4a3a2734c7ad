package io.cis.worker.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.testing.RecordingS3;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

class S3ObjectFetcherTest {

    private static S3Exception s3Error(int status, String code) {
        return (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build();
    }

    @Test
    void goneObjectsArePermanentEverythingElseIsWorthRetrying() {
        assertTrue(S3ObjectFetcher.classify(s3Error(404, "NoSuchKey")).isPermanent());
        assertTrue(S3ObjectFetcher.classify(s3Error(404, "NoSuchBucket")).isPermanent());
        assertFalse(S3ObjectFetcher.classify(s3Error(503, "SlowDown")).isPermanent());
        assertFalse(S3ObjectFetcher.classify(s3Error(500, "InternalError")).isPermanent());
        assertFalse(S3ObjectFetcher.classify(s3Error(403, "AccessDenied")).isPermanent(), "a policy being fixed");
    }

    private static S3Client returning(byte[] body, Long declaredLength) {
        S3Client s3 = mock(S3Client.class);
        GetObjectResponse response = GetObjectResponse.builder().contentLength(declaredLength).build();
        when(s3.getObject(any(GetObjectRequest.class))).thenReturn(
                new ResponseInputStream<>(response, AbortableInputStream.create(new ByteArrayInputStream(body))));
        return s3;
    }

    @Test
    void bytesComeWithTheirMd5() throws Exception {
        FetchedObject fetched = new S3ObjectFetcher(returning("abc".getBytes(), 3L), 10).fetch(S3ObjectRef.of("b", "k.jpg"));
        assertEquals("900150983cd24fb0d6963f7d28e17f72", fetched.md5Hex());
    }

    @Test
    void declaredOversizeIsRefusedBeforeReading() {
        FetchException e = assertThrows(FetchException.class,
                () -> new S3ObjectFetcher(returning(new byte[0], 11L), 10).fetch(S3ObjectRef.of("b", "k.jpg")));
        assertTrue(e.isPermanent());
        assertTrue(e.getMessage().startsWith("object_too_large"), e.getMessage());
    }

    @Test
    void undeclaredOversizeIsCaughtWhileReading() {
        FetchException e = assertThrows(FetchException.class,
                () -> new S3ObjectFetcher(returning(new byte[11], null), 10).fetch(S3ObjectRef.of("b", "k.jpg")));
        assertTrue(e.isPermanent());
    }

    @Test
    void aBodyShorterOrLongerThanDeclaredIsATransientReadFailure() {
        for (byte[] body : new byte[][] {new byte[4], new byte[6]}) {
            FetchException e = assertThrows(FetchException.class,
                    () -> new S3ObjectFetcher(returning(body, 5L), 10).fetch(S3ObjectRef.of("b", "k.jpg")));
            assertFalse(e.isPermanent(), "a connection cut short is worth another try");
            assertTrue(e.getMessage().contains("declared"), e.getMessage());
        }
    }

    @Test
    void aBodyOfTheDeclaredLengthIsReadWhole() throws Exception {
        byte[] body = new byte[100_000];
        new java.util.Random(3).nextBytes(body);
        FetchedObject fetched = new S3ObjectFetcher(returning(body, (long) body.length), 200_000)
                .fetch(S3ObjectRef.of("b", "k.jpg"));
        org.junit.jupiter.api.Assertions.assertArrayEquals(body, fetched.bytes());
    }

    private static final BucketOwners OWNERS = BucketOwners.parse(List.of("111122223333", "scans=444455556666"));

    /** Through the SDK itself: the header is what goes on the wire, for every bucket, versioned GETs included. */
    @Test
    void everyGetCarriesTheExpectedOwnerOfItsBucket() throws Exception {
        RecordingS3 http = new RecordingS3(r -> RecordingS3.Answer.ok(Map.of("Content-Length", "3"), "abc"));
        S3ObjectFetcher fetcher = new S3ObjectFetcher(http.client(), 10, OWNERS);

        fetcher.fetch(S3ObjectRef.of("photos", "a.jpg"));
        fetcher.fetch(S3ObjectRef.of("scans", "b.jpg"));
        fetcher.fetch(new S3ObjectRef("photos", "c.jpg", "v1", 3L, null));

        assertEquals(List.of("111122223333", "444455556666", "111122223333"), http.expectedOwners());
        assertEquals("GET", http.requests().get(2).method().name());
        assertEquals(List.of("v1"), http.requests().get(2).rawQueryParameters().get("versionId"));
    }

    @Test
    void theHeadThatConfirmsACacheHitCarriesItTooAndReadsETagAndLastModified() throws Exception {
        RecordingS3 http = new RecordingS3(r -> RecordingS3.Answer.ok(Map.of("Content-Length", "3",
                "ETag", "\"900150983cd24fb0d6963f7d28e17f72\"", "Last-Modified", "Sun, 06 Dec 2026 09:20:35 GMT"), ""));
        ObjectHead head = new S3ObjectFetcher(http.client(), 10, OWNERS).head(S3ObjectRef.of("scans", "b.jpg"));

        assertEquals(List.of("444455556666"), http.expectedOwners());
        assertEquals("HEAD", http.requests().get(0).method().name());
        assertEquals("900150983cd24fb0d6963f7d28e17f72", head.eTag(), "without the quotes");
        assertEquals(java.time.Instant.parse("2026-12-06T09:20:35Z"), head.lastModified());
    }

    @Test
    void aHeadDeniedWithAnOwnerIsAnOwnerMismatchAndAMissingOneIsNotFound() {
        FetchException denied = assertThrows(FetchException.class, () -> new S3ObjectFetcher(
                new RecordingS3(r -> RecordingS3.Answer.accessDenied()).client(), 10, OWNERS).head(S3ObjectRef.of("photos", "a.jpg")));
        assertEquals(Reason.BUCKET_OWNER_MISMATCH, denied.outcome().reason());
        FetchException missing = assertThrows(FetchException.class, () -> new S3ObjectFetcher(
                new RecordingS3(r -> new RecordingS3.Answer(404, Map.of(), "")).client(), 10).head(S3ObjectRef.of("photos", "a.jpg")));
        assertEquals(Reason.OBJECT_NOT_FOUND, missing.outcome().reason());
        assertEquals(Outcome.Kind.FAILED_PERMANENT, missing.outcome().kind());
    }

    @Test
    void withoutAnExpectedOwnerNoHeaderIsSent() throws Exception {
        RecordingS3 http = new RecordingS3(r -> RecordingS3.Answer.ok(Map.of("Content-Length", "3"), "abc"));
        new S3ObjectFetcher(http.client(), 10).fetch(S3ObjectRef.of("photos", "a.jpg"));
        assertEquals(List.of("(none)"), http.expectedOwners());
    }

    /** S3's answer to a wrong owner is a plain 403 AccessDenied; sent with an owner, it is that owner's refusal. */
    @Test
    void aDenialOfAGetWithAnOwnerIsAPermanentOwnerMismatchNeverRetried() {
        RecordingS3 http = new RecordingS3(r -> RecordingS3.Answer.accessDenied());
        FetchException e = assertThrows(FetchException.class,
                () -> new S3ObjectFetcher(http.client(), 10, OWNERS).fetch(S3ObjectRef.of("photos", "a.jpg")));

        assertEquals(Outcome.Kind.FAILED_PERMANENT, e.outcome().kind());
        assertEquals(Reason.BUCKET_OWNER_MISMATCH, e.outcome().reason());
        assertTrue(e.outcome().detail().contains("111122223333"), e.outcome().detail());
        assertFalse(FetchRetryDecision.worthRetrying(e));
        assertEquals(1, http.requests().size());
    }

    @Test
    void theSameDenialWithoutAnOwnerStaysATransientAccessDenial() {
        RecordingS3 http = new RecordingS3(r -> RecordingS3.Answer.accessDenied());
        FetchException e = assertThrows(FetchException.class,
                () -> new S3ObjectFetcher(http.client(), 10).fetch(S3ObjectRef.of("photos", "a.jpg")));
        assertEquals(Outcome.Kind.FAILED_TRANSIENT, e.outcome().kind());
        assertEquals(Reason.S3_ACCESS_DENIED, e.outcome().reason());
    }
}
