package io.cis.worker.source;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cis.worker.event.S3ObjectRef;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * Puts S3 "ObjectCreated:Put" notifications on the queue, in exactly the JSON S3 itself sends (one record per
 * message, key URL-encoded with '+' for spaces), ten per SendMessageBatch. Used where S3 cannot send them: local
 * emulators, hand-fed objects, and backfill's --enqueue mode.
 */
public final class S3NotificationPublisher {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SqsClient sqs;
    private final String queueUrl;

    public S3NotificationPublisher(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    /** Sends one notification per object; returns how many SQS accepted (failures are reported, not retried). */
    public int publish(List<S3ObjectRef> objects) {
        int sent = 0;
        for (int start = 0; start < objects.size(); start += SqsBatchOperations.SQS_BATCH_LIMIT) {
            List<S3ObjectRef> chunk = objects.subList(start, Math.min(objects.size(), start + SqsBatchOperations.SQS_BATCH_LIMIT));
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i)).messageBody(notification(chunk.get(i))).build());
            }
            SendMessageBatchResponse response = sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(entries));
            sent += response.successful().size();
            response.failed().forEach(f -> System.err.println("enqueue failed for "
                    + chunk.get(Integer.parseInt(f.id())).s3Url() + ": " + f.code() + " " + f.message()));
        }
        return sent;
    }

    /** The S3 event notification (version 2.1) for one created object. */
    public static String notification(S3ObjectRef object) {
        ObjectNode record = JSON.createObjectNode();
        record.put("eventVersion", "2.1").put("eventSource", "aws:s3").put("awsRegion", region())
                .put("eventTime", Instant.now().toString()).put("eventName", "ObjectCreated:Put");
        ObjectNode s3 = record.putObject("s3");
        s3.put("s3SchemaVersion", "1.0").put("configurationId", "cis-worker-enqueue");
        s3.putObject("bucket").put("name", object.bucket()).put("arn", "arn:aws:s3:::" + object.bucket());
        ObjectNode o = s3.putObject("object").put("key", encodeKey(object.key()));
        if (object.size() != null) {
            o.put("size", object.size());
        }
        if (object.eTag() != null) {
            o.put("eTag", object.eTag());
        }
        if (object.versionId() != null) {
            o.put("versionId", object.versionId());
        }
        // Never invented: the worker orders the writes of one key by it, and a made-up value would compare
        // against S3's own (a hand-enqueued notification without one is ordered by the object's Last-Modified).
        if (object.sequencer() != null) {
            o.put("sequencer", object.sequencer());
        }
        ObjectNode body = JSON.createObjectNode();
        body.putArray("Records").add(record);
        return body.toString();
    }

    /** S3 form-encodes keys in notifications (a space becomes '+') but leaves the '/' separators alone. */
    static String encodeKey(String key) {
        return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/");
    }

    private static String region() {
        String region = System.getenv("AWS_REGION");
        return region == null || region.isBlank() ? "us-east-1" : region;
    }
}
