package io.cis.worker.source;

import io.cis.worker.core.BatchCollector;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * Settles complete messages: deletes those whose outcomes are all final (in batches of ten), and lets the others
 * fall back into the queue when their visibility runs out, which is the retry with backoff SQS gives for free
 * and what eventually moves a message that keeps failing to the dead-letter queue.
 */
public final class MessageSettler implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(MessageSettler.class);

    private final InFlightRegistry registry;
    private final SqsBatchOperations sqs;
    private final BlockingQueue<InFlightMessage> toDelete;
    private final BatchCollector<InFlightMessage> batches;
    private volatile boolean running = true;
    private volatile Consumer<InFlightMessage> onLeftForRedelivery = message -> { };
    private volatile java.util.function.IntConsumer onDeleted = count -> { };

    public MessageSettler(InFlightRegistry registry, SqsBatchOperations sqs) {
        this.registry = registry;
        this.sqs = sqs;
        // Never fills: it holds at most one entry per in-flight message.
        this.toDelete = new ArrayBlockingQueue<>(Math.max(1, registry.capacity()));
        this.batches = new BatchCollector<>(toDelete, SqsBatchOperations.SQS_BATCH_LIMIT, Duration.ofMillis(20));
    }

    /** Called once per message, when its last item has an outcome. */
    public void complete(InFlightMessage message) {
        if (message.deletable()) {
            toDelete.add(message);
            return;
        }
        log.info("message left for redelivery", kv("message_id", message.messageId()),
                kv("receive_count", message.receiveCount()), kv("reason", message.redeliveryReason()),
                kv("detail", message.redeliveryDetail()));
        registry.remove(message);
        onLeftForRedelivery.accept(message);
    }

    /** Told about every complete message that is not deleted (e.g. to count those bound for the dead-letter queue). */
    public void onLeftForRedelivery(Consumer<InFlightMessage> listener) {
        this.onLeftForRedelivery = listener;
    }

    /** Told how many messages each delete batch removed from the queue. */
    public void onDeleted(java.util.function.IntConsumer listener) {
        this.onDeleted = listener;
    }

    public void stop() {
        running = false;
    }

    @Override
    public void run() {
        while (running || !toDelete.isEmpty()) {
            try {
                List<InFlightMessage> batch = batches.next(200, TimeUnit.MILLISECONDS);
                if (!batch.isEmpty()) {
                    delete(batch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Deletes whatever is still waiting, on the caller's thread; used at shutdown after the thread stopped. */
    public void flush() {
        List<InFlightMessage> rest = new java.util.ArrayList<>();
        toDelete.drainTo(rest);
        if (!rest.isEmpty()) {
            delete(rest);
        }
    }

    private void delete(List<InFlightMessage> batch) {
        int failed = sqs.delete(batch).size();
        batch.forEach(registry::remove);
        onDeleted.accept(batch.size() - failed);
    }
}
