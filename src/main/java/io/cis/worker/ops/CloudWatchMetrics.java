package io.cis.worker.ops;

import io.micrometer.cloudwatch2.CloudWatchConfig;
import io.micrometer.cloudwatch2.CloudWatchMeterRegistry;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;

/**
 * The optional CloudWatch copy of the worker's metrics (CLOUDWATCH_ENABLED): the same meters as /metrics, sent with
 * PutMetricData once per step. Region and credentials come from the SDK's default chains, like every AWS client here.
 */
public final class CloudWatchMetrics {

    /** CloudWatch's standard resolution; shorter steps cost more and buy nothing for a queue worker. */
    public static final Duration STEP = Duration.ofMinutes(1);

    private CloudWatchMetrics() {
    }

    public static CloudWatchMeterRegistry registry(String namespace, CloudWatchAsyncClient client, Duration step) {
        CloudWatchConfig config = new CloudWatchConfig() {
            @Override
            public String get(String key) {
                return null; // everything else at Micrometer's defaults
            }

            @Override
            public String namespace() {
                return namespace;
            }

            @Override
            public Duration step() {
                return step;
            }
        };
        return new CloudWatchMeterRegistry(config, Clock.SYSTEM, client);
    }

    /** Closing the registry publishes what it holds; close the client after it. */
    public static MeterRegistry registry(String namespace, CloudWatchAsyncClient client) {
        return registry(namespace, client, STEP);
    }
}
