package io.cis.worker.app;

import java.time.Duration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.apache.ApacheHttpClient;

/**
 * Retries and timeouts of the AWS SDK clients: every call is bounded, so a hung or unreachable service holds up a
 * stage for a bounded time only, never forever.
 *
 * <ul>
 *   <li><b>S3</b>: the SDK does not retry; {@code RetryingObjectFetcher} does (RETRY_* settings), so the attempts,
 *       the backoff and the retry metric have one owner instead of multiplying. Each attempt: connect 5 s, response
 *       headers within 30 s, and at most 20 s of silence while the body streams in.</li>
 *   <li><b>DynamoDB</b> (the cache): the SDK's standard retry strategy, which knows DynamoDB's throttling errors,
 *       bounded by RETRY_MAX_ATTEMPTS, 5 s per attempt and 10 s per call. The cache only saves work, so it gets no
 *       second retry layer; {@code PausingEmbeddingCache} leaves it alone for a while when it cannot be reached.</li>
 *   <li><b>SQS</b>: two clients. The one for deletes, visibility changes and queue attributes: the SDK's default
 *       retries. The one the pollers receive with: no SDK retries ({@code SqsPoller} retries, and checks for a stop
 *       first), so no ReceiveMessage is ever started after a stop. For both, each attempt is bounded to the
 *       long-poll wait plus 15 s, and the socket timeout is as long, so neither cuts a long poll short: a poll cut
 *       off on our side stays open at SQS, which hands the next message to it, and that message stays in flight,
 *       with nobody reading it, until its visibility timeout.</li>
 * </ul>
 */
final class SdkClientSettings {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration S3_ATTEMPT_TIMEOUT = Duration.ofSeconds(30);
    static final Duration S3_SOCKET_TIMEOUT = Duration.ofSeconds(20);
    static final Duration DYNAMODB_ATTEMPT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration DYNAMODB_CALL_TIMEOUT = Duration.ofSeconds(10);

    private SdkClientSettings() {
    }

    static ApacheHttpClient.Builder s3Http() {
        return ApacheHttpClient.builder().maxConnections(64)
                .connectionTimeout(CONNECT_TIMEOUT).socketTimeout(S3_SOCKET_TIMEOUT);
    }

    static ClientOverrideConfiguration s3() {
        return ClientOverrideConfiguration.builder()
                .retryStrategy(AwsRetryStrategy.doNotRetry())
                .apiCallAttemptTimeout(S3_ATTEMPT_TIMEOUT)
                .build();
    }

    static ApacheHttpClient.Builder dynamoDbHttp() {
        return ApacheHttpClient.builder().connectionTimeout(CONNECT_TIMEOUT).socketTimeout(DYNAMODB_ATTEMPT_TIMEOUT);
    }

    static ClientOverrideConfiguration dynamoDb(int maxAttempts) {
        return ClientOverrideConfiguration.builder()
                .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(maxAttempts).build())
                .apiCallAttemptTimeout(DYNAMODB_ATTEMPT_TIMEOUT)
                .apiCallTimeout(DYNAMODB_CALL_TIMEOUT)
                .build();
    }

    /** The longest a ReceiveMessage attempt may take: the long-poll wait plus time for a slow answer. */
    static Duration sqsAttemptTimeout(int waitTimeSeconds) {
        return Duration.ofSeconds(waitTimeSeconds + 15L);
    }

    static ApacheHttpClient.Builder sqsHttp(int waitTimeSeconds, int maxConnections) {
        return ApacheHttpClient.builder().maxConnections(maxConnections)
                .connectionTimeout(CONNECT_TIMEOUT).socketTimeout(sqsAttemptTimeout(waitTimeSeconds));
    }

    static ClientOverrideConfiguration sqs(int waitTimeSeconds) {
        return ClientOverrideConfiguration.builder()
                .apiCallAttemptTimeout(sqsAttemptTimeout(waitTimeSeconds))
                .build();
    }

    static ClientOverrideConfiguration sqsReceive(int waitTimeSeconds) {
        return ClientOverrideConfiguration.builder()
                .retryStrategy(AwsRetryStrategy.doNotRetry())
                .apiCallAttemptTimeout(sqsAttemptTimeout(waitTimeSeconds))
                .build();
    }
}
