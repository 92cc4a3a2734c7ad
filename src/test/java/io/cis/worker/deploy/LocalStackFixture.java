package io.cis.worker.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.source.S3NotificationPublisher;
import io.cis.worker.testing.ClipReference;
import io.cis.worker.testing.LocalStack;
import io.cis.worker.testing.TestQueues;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.FieldValue;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * What a packaged worker under test (the container image, the systemd unit) uses on the local stack, made fresh
 * for one test class and removed by {@link #close()}: a queue with its dead-letter queue, an index name, a key
 * prefix in the bucket and a free metrics port. ContainerImageIT and SystemdNspawnIT run the same worker against
 * the same stack and only package it differently, so the setup, the worker's settings, the uploads and
 * notifications, the checks on the index and the teardown live here once instead of in each.
 */
record LocalStackFixture(SqsClient sqs, S3Client s3, OpenSearchClient openSearch, String bucket, TestQueues queues,
        String index, String prefix, int metricsPort, int visibilitySeconds, List<String> keys) implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * Queues named after {@code name} (5 receives before the dead-letter queue, {@code visibilitySeconds} to
     * work a message), index cis-NAME-RUN and prefix NAME-RUN/, RUN new for each fixture; {@code keys} collects
     * every object uploaded, for close() to remove.
     */
    static LocalStackFixture create(String name, int visibilitySeconds) throws IOException {
        SqsClient sqs = LocalStack.sqs();
        S3Client s3 = LocalStack.s3();
        OpenSearchClient openSearch = LocalStack.openSearchClient();
        String bucket = LocalStack.require("S3_BUCKET");
        String run = UUID.randomUUID().toString().substring(0, 8);
        TestQueues queues = TestQueues.create(sqs, name, 5, visibilitySeconds);
        return new LocalStackFixture(sqs, s3, openSearch, bucket, queues, "cis-" + name + "-" + run,
                name + "-" + run + "/", freePort(), visibilitySeconds, new ArrayList<>());
    }

    /** The worker's settings for this fixture (what an operator's env file holds); a new map, for more to be added. */
    Map<String, String> workerSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String variable : List.of("AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL_SQS",
                "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_DYNAMODB", "EMBEDDING_CACHE_TABLE", "OPENSEARCH_ENDPOINT")) {
            settings.put(variable, LocalStack.require(variable));
        }
        settings.put("S3_FORCE_PATH_STYLE", "true");
        settings.put("OPENSEARCH_AUTH", "none");
        settings.put("OPENSEARCH_KNN_ENGINE", "lucene");
        settings.put("SQS_QUEUE_URL", queues.queueUrl());
        settings.put("SQS_DLQ_URL", queues.dlqUrl());
        settings.put("SQS_VISIBILITY_TIMEOUT_SECONDS", Integer.toString(visibilitySeconds));
        settings.put("OPENSEARCH_INDEX", index);
        settings.put("MODEL_NAME", ClipReference.modelName());
        settings.put("METRICS_PORT", Integer.toString(metricsPort));
        return settings;
    }

    /** Decodable test photos of at most 60 KB (the local S3 keeps objects in a small heap). */
    static List<ClipReference.Image> smallPhotos() throws IOException {
        List<ClipReference.Image> photos = new ArrayList<>();
        for (ClipReference.Image image : ClipReference.images()) {
            if (image.decodable() && Files.size(image.path()) <= 60_000) {
                photos.add(image);
            }
        }
        assertTrue(photos.size() >= 4, "test photos in " + ClipReference.SHARED_IMAGES);
        return photos;
    }

    /** Uploads {@code count} objects cycling through the photos, under this run's prefix. */
    List<String> upload(String folder, List<ClipReference.Image> photos, int count) throws IOException {
        List<String> uploaded = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ClipReference.Image photo = photos.get(i % photos.size());
            String name = photo.file().substring(photo.file().lastIndexOf('/') + 1);
            String key = String.format(Locale.ROOT, "%s%s/%04d-%s", prefix, folder, i, name);
            s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromBytes(Files.readAllBytes(photo.path())));
            keys.add(key);
            uploaded.add(key);
        }
        return uploaded;
    }

    /** {@link #upload}, then an S3 notification for each object on the queue. */
    List<String> uploadAndNotify(String folder, List<ClipReference.Image> photos, int count) throws IOException {
        List<String> uploaded = upload(folder, photos, count);
        notifyCreated(uploaded);
        return uploaded;
    }

    /** S3 "object created" notifications for {@code objectKeys} on the queue. */
    void notifyCreated(List<String> objectKeys) {
        List<S3ObjectRef> objects = objectKeys.stream().map(k -> S3ObjectRef.of(bucket, k)).toList();
        assertEquals(objects.size(), new S3NotificationPublisher(sqs, queues.queueUrl()).publish(objects));
    }

    /** How many documents of the index have their image embedding. */
    long embedded() {
        try {
            openSearch.indices().refresh(r -> r.index(index));
            return openSearch.count(c -> c.index(index)
                    .query(q -> q.term(t -> t.field("has_image_embedding").value(FieldValue.of(true))))).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The queue's visible, in-flight and delayed message counts. */
    Map<QueueAttributeName, String> queueAttributes() {
        return sqs.getQueueAttributes(b -> b.queueUrl(queues.queueUrl()).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
    }

    /**
     * Whether the worker's /health/ready answers 200 on the host's 127.0.0.1: both packagings under test share the
     * host's network. False while it cannot be reached yet.
     */
    boolean ready() {
        URI ready = URI.create("http://127.0.0.1:" + metricsPort + "/health/ready");
        try {
            return HTTP.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Removes the index, the queues and the uploaded objects, and closes the clients. */
    @Override
    public void close() throws IOException {
        try {
            openSearch.indices().delete(d -> d.index(index).ignoreUnavailable(true));
        } finally {
            queues.delete();
            LocalStack.deleteObjects(s3, bucket, keys);
            sqs.close();
            s3.close();
            openSearch._transport().close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
