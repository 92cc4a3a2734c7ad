package io.cis.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BackfillCommandTest {

    /** Refused as bad usage before any service is asked: listing a bucket the worker may not read is pointless. */
    @Test
    void aBucketNotInS3BucketsIsRefusedForBothSources(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("cis-worker.env"),
                "S3_BUCKETS=photos\nOPENSEARCH_ENDPOINT=http://127.0.0.1:1\n");
        for (String source : new String[] {"s3", "opensearch"}) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream previous = System.err;
            int exit;
            try {
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                exit = new CommandLine(new BackfillCommand()).execute("--config", config.toString(), "--source", source,
                        "--bucket", "strangers-bucket", "--dry-run");
            } finally {
                System.setErr(previous);
            }
            String message = err.toString(StandardCharsets.UTF_8);
            assertEquals(2, exit, source + ": " + message);
            assertTrue(message.contains("--bucket strangers-bucket is not in S3_BUCKETS (photos): bucket_not_allowed"),
                    message);
        }
    }
}
