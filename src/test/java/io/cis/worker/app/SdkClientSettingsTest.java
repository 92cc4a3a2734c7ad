package io.cis.worker.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;

/**
 * The pollers' SQS client: a retry by the SDK would be a ReceiveMessage started after a stop, left open at SQS when
 * the process exits (it takes the next message, which then waits out its visibility timeout); and no timeout may
 * cut a long poll short, for the same reason.
 */
class SdkClientSettingsTest {

    @Test
    void theReceivingClientNeverRetriesOnItsOwn() {
        ClientOverrideConfiguration receive = SdkClientSettings.sqsReceive(20);
        assertEquals(1, receive.retryStrategy().orElseThrow().maxAttempts());
    }

    @Test
    void noTimeoutCutsALongPollShort() {
        for (int wait : new int[]{0, 10, 20}) {
            Duration attempt = SdkClientSettings.sqsReceive(wait).apiCallAttemptTimeout().orElseThrow();
            assertTrue(attempt.compareTo(Duration.ofSeconds(wait + 10L)) >= 0, "attempt timeout " + attempt + " for a " + wait + " s wait");
            assertTrue(SdkClientSettings.sqsReceive(wait).apiCallTimeout().isEmpty(), "no call timeout below the wait");
            assertEquals(attempt, SdkClientSettings.sqs(wait).apiCallAttemptTimeout().orElseThrow());
        }
    }
}
