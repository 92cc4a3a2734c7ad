package io.cis.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.fetch.BucketOwners;
import io.cis.worker.testing.RecordingS3;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.services.s3.model.S3Exception;

class EnqueueCommandTest {

    private static EnqueueCommand parsed(String... args) {
        EnqueueCommand command = new EnqueueCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void everyHeadCarriesTheExpectedOwner() {
        RecordingS3 http = new RecordingS3(r -> RecordingS3.Answer.ok(
                Map.of("Content-Length", "5", "ETag", "\"abc\""), ""));
        EnqueueCommand command = parsed("--queue-url", "http://q", "--bucket", "photos", "a.jpg", "b.jpg");

        assertEquals(2, command.objects(http.client(), "111122223333").size());
        assertEquals(List.of("HEAD", "HEAD"), http.requests().stream().map(r -> r.method().name()).toList());
        assertEquals(List.of("111122223333", "111122223333"), http.expectedOwners());
    }

    @Test
    void theListingUnderAPrefixCarriesTheExpectedOwner() {
        RecordingS3 http = new RecordingS3(r -> RecordingS3.Answer.ok(Map.of("Content-Type", "application/xml"),
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                        + "<Name>photos</Name><Prefix>up/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys>"
                        + "<IsTruncated>false</IsTruncated><Contents><Key>up/a.jpg</Key><Size>1</Size><ETag>\"e\"</ETag>"
                        + "</Contents></ListBucketResult>"));
        EnqueueCommand command = parsed("--queue-url", "http://q", "--bucket", "photos", "--prefix", "up/");

        assertEquals("up/a.jpg", command.objects(http.client(), "111122223333").get(0).key());
        assertEquals(List.of("111122223333"), http.expectedOwners());
        assertEquals("GET", http.requests().get(0).method().name());
    }

    /** A HEAD's 403 has no body, so no error code: with an owner sent it still reads as a mismatch. */
    @Test
    void aDeniedHeadWithAnOwnerReadsAsAnOwnerMismatch() {
        RecordingS3 http = new RecordingS3(r -> RecordingS3.Answer.accessDenied());
        EnqueueCommand command = parsed("--queue-url", "http://q", "--bucket", "photos", "a.jpg");
        S3Exception e = assertThrows(S3Exception.class, () -> command.objects(http.client(), "111122223333"));
        assertEquals(403, e.statusCode());
        assertTrue(BucketOwners.isOwnerMismatch(e, "111122223333"), e.toString());
    }

    @Test
    void aBucketNotInS3BucketsIsRefusedBeforeAnyCall(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("cis-worker.env"), "S3_BUCKETS=photos\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream previous = System.err;
        int exit;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new EnqueueCommand()).execute("--config", config.toString(), "--queue-url",
                    "http://127.0.0.1:1/q", "--bucket", "strangers-bucket", "a.jpg");
        } finally {
            System.setErr(previous);
        }
        assertEquals(2, exit);
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.contains("strangers-bucket is not in S3_BUCKETS") && message.contains("bucket_not_allowed"),
                message);
    }
}
