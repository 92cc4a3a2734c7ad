package io.cis.worker.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The benchmark's own queue, cache table and index names (fresh for every run, so the first pass is cache-cold and
 * nothing another run or a test left behind is counted), and the upload of the image set to S3 (kept between runs
 * under a prefix named after the set, and only uploaded once).
 */
final class BenchResources implements AutoCloseable {

    private final SqsClient sqs;
    private final DynamoDbClient dynamoDb;
    private final String runId;
    private String queueUrl;
    private String table;

    BenchResources(SqsClient sqs, DynamoDbClient dynamoDb, String runId) {
        this.sqs = sqs;
        this.dynamoDb = dynamoDb;
        this.runId = runId;
    }

    SqsClient sqs() {
        return sqs;
    }

    String queueName() {
        return "cis-bench-" + runId;
    }

    String indexName() {
        return "cis-bench-" + runId;
    }

    String tableName() {
        return "cis-bench-cache-" + runId;
    }

    String createQueue(int visibilityTimeoutSeconds) {
        queueUrl = sqs.createQueue(b -> b.queueName(queueName())
                .attributes(Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibilityTimeoutSeconds))))
                .queueUrl();
        return queueUrl;
    }

    /** A cache table in the Lambda's layout (hash key image_hash); empty, so every first lookup misses. */
    String createCacheTable() {
        dynamoDb.createTable(b -> b.tableName(tableName())
                .attributeDefinitions(AttributeDefinition.builder().attributeName("image_hash")
                        .attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName("image_hash").keyType(KeyType.HASH).build())
                .billingMode(BillingMode.PAY_PER_REQUEST));
        dynamoDb.waiter().waitUntilTableExists(b -> b.tableName(tableName()));
        table = tableName();
        return table;
    }

    /** Uploads the images not yet under the prefix; returns how many it uploaded. */
    static int upload(S3Client s3, String bucket, String prefix, BenchImageSet set, int threads, PrintStream progress)
            throws IOException, InterruptedException {
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (software.amazon.awssdk.services.s3.model.NoSuchBucketException e) {
            s3.createBucket(b -> b.bucket(bucket));
        }
        Map<String, Long> present = new HashMap<>();
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
            present.put(o.key(), o.size());
        }
        List<BenchImageSet.Image> missing = new ArrayList<>();
        for (BenchImageSet.Image image : set.images()) {
            Long size = present.get(prefix + image.file());
            if (size == null || size != image.bytes()) {
                missing.add(image);
            }
        }
        if (missing.isEmpty()) {
            return 0;
        }
        progress.printf(Locale.ROOT, "uploading %d images to s3://%s/%s ...%n", missing.size(), bucket, prefix);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> uploads = new ArrayList<>();
            for (BenchImageSet.Image image : missing) {
                uploads.add(pool.submit(() -> {
                    s3.putObject(b -> b.bucket(bucket).key(prefix + image.file())
                                    .contentType(image.file().endsWith(".png") ? "image/png" : "image/jpeg"),
                            RequestBody.fromBytes(Files.readAllBytes(set.path(image))));
                    return null;
                }));
            }
            for (Future<?> upload : uploads) {
                upload.get();
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("upload failed: " + e.getCause() + " (the local S3 emulator keeps objects in memory: "
                    + "start the stack with CIS_S3_HEAP=2g, as scripts/bench.sh does when it starts it)", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return missing.size();
    }

    /**
     * Key -> ETag of every object under the prefix, as ListObjectsV2 gives them: the notifications carry them, as
     * S3's own do, so a cache hit costs no download (the local S3 makes a single-part upload's ETag its MD5, as S3 does).
     */
    static Map<String, String> eTags(S3Client s3, String bucket, String prefix) {
        Map<String, String> eTags = new HashMap<>();
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
            eTags.put(o.key(), o.eTag());
        }
        return eTags;
    }

    /** Deletes the queue and table this run created (the index is deleted through the worker's own client). */
    @Override
    public void close() {
        if (queueUrl != null) {
            try {
                sqs.deleteQueue(b -> b.queueUrl(queueUrl));
            } catch (RuntimeException e) {
                System.err.println("bench: could not delete queue " + queueUrl + ": " + e.getMessage());
            }
        }
        if (table != null) {
            try {
                dynamoDb.deleteTable(b -> b.tableName(table));
            } catch (RuntimeException e) {
                System.err.println("bench: could not delete table " + table + ": " + e.getMessage());
            }
        }
        sqs.close();
        dynamoDb.close();
    }
}
