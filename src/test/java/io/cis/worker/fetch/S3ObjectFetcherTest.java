package io.cis.worker.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.cis.worker.event.S3ObjectRef;
import java.io.ByteArrayInputStream;
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
}
