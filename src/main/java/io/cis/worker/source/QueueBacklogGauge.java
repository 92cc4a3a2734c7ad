package io.cis.worker.source;

import io.cis.worker.ops.FailureReasons;
import io.cis.worker.ops.MetricNames;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;

import static net.logstash.logback.argument.StructuredArguments.kv;

/**
 * Publishes the queue's backlog (visible and in-flight message counts as SQS reports them) as gauges, polled on a
 * fixed interval: the number an operator watches, and the one an Auto Scaling policy divides by the instance count.
 * A failed poll keeps the last values and is logged when polling starts failing, not on every attempt.
 */
public final class QueueBacklogGauge implements AutoCloseable {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(QueueBacklogGauge.class);

    private final SqsClient sqs;
    private final String queueUrl;
    private final AtomicLong visible = new AtomicLong(-1);
    private final AtomicLong notVisible = new AtomicLong(-1);
    private final ScheduledExecutorService scheduler;
    private volatile boolean failing;

    public QueueBacklogGauge(SqsClient sqs, String queueUrl, MeterRegistry metrics, Duration interval) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        // -1 until the first poll answers, so a dashboard can tell "unknown" from "empty".
        Gauge.builder(MetricNames.QUEUE_MESSAGES_VISIBLE, visible, AtomicLong::get).register(metrics);
        Gauge.builder(MetricNames.QUEUE_MESSAGES_NOT_VISIBLE, notVisible, AtomicLong::get).register(metrics);
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "queue-backlog");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::poll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void poll() {
        try {
            QueueCounts counts = QueueCounts.read(sqs, queueUrl);
            visible.set(counts.visible());
            notVisible.set(counts.notVisible());
            failing = false;
        } catch (RuntimeException e) {
            if (!failing) {
                log.warn("queue backlog poll failed, keeping the last values", kv("queue_url", queueUrl),
                        kv("reason", FailureReasons.ofSqsCall(e).code()), kv("detail", e.toString()));
            }
            failing = true;
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
