package io.cis.worker.backfill;

import static net.logstash.logback.argument.StructuredArguments.kv;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cis.worker.core.Reason;
import io.cis.worker.source.S3NotificationPublisher;
import io.cis.worker.source.SqsBatchOperations;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;

/**
 * The --enqueue mode: puts each selected image on the worker queue, ten per SendMessageBatch, so every running
 * daemon shares the work.
 *
 * <p>A candidate with a document id (OpenSearch source) becomes the old worker's {@code {"id", "s3_url"}}
 * message, which the daemon reads too: the update then goes to exactly that document, whatever DOCUMENT_ID_MODE
 * says. One without (S3 source) becomes the S3 ObjectCreated notification S3 itself would send.
 */
public final class BackfillEnqueuer {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger log = LoggerFactory.getLogger(BackfillEnqueuer.class);

    private final SqsClient sqs;
    private final String queueUrl;
    private final BackfillTally tally;
    private final List<BackfillCandidate> pending = new ArrayList<>();

    public BackfillEnqueuer(SqsClient sqs, String queueUrl, BackfillTally tally) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.tally = tally;
    }

    public void add(BackfillCandidate candidate) {
        pending.add(candidate);
        if (pending.size() == SqsBatchOperations.SQS_BATCH_LIMIT) {
            flush();
        }
    }

    /** Sends what is buffered; a refused message (or a failed call) counts as a transient failure. */
    public void flush() {
        if (pending.isEmpty()) {
            return;
        }
        List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
            entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i)).messageBody(body(pending.get(i))).build());
        }
        try {
            SendMessageBatchResponse response = sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(entries));
            response.successful().forEach(ok -> tally.enqueued());
            response.failed().forEach(f -> {
                log.warn("backfill: message refused by SQS", kv("s3_url", pending.get(Integer.parseInt(f.id())).object().s3Url()),
                        kv("reason", Reason.ENQUEUE_FAILED.code()), kv("code", f.code()), kv("detail", f.message()));
                tally.failedTransiently(Reason.ENQUEUE_FAILED);
            });
        } catch (RuntimeException e) {
            // The SDK already retried; these documents stay selected, so the next run sends them again.
            log.warn("backfill: SendMessageBatch failed", kv("messages", pending.size()),
                    kv("reason", Reason.ENQUEUE_FAILED.code()), kv("detail", e.toString()));
            pending.forEach(c -> tally.failedTransiently(Reason.ENQUEUE_FAILED));
        }
        pending.clear();
    }

    static String body(BackfillCandidate candidate) {
        if (candidate.documentId() == null) {
            return S3NotificationPublisher.notification(candidate.object());
        }
        return JSON.createObjectNode().put("id", candidate.documentId()).put("s3_url", candidate.object().s3Url()).toString();
    }
}
