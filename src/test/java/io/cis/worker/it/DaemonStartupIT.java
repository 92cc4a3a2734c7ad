package io.cis.worker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.testing.Metrics;
import io.cis.worker.testing.WorkerProcess;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Start-up refuses to run on a bad configuration or unreachable services, naming every problem at once. */
class DaemonStartupIT {

    @Test
    void invalidSettingsAreAllListedAndNothingStarts() throws Exception {
        try (WorkerProcess worker = WorkerProcess.start("startup-bad-settings", Map.of(
                "SQS_POLLERS", "zero", "VECTOR_DIMENSION", "-1", "OPENSEARCH_AUTH", "kerberos"))) {
            assertEquals(2, worker.awaitExit(Duration.ofSeconds(60)));
            String output = Files.readString(worker.log());
            assertTrue(output.contains("SQS_POLLERS=zero"), output);
            assertTrue(output.contains("VECTOR_DIMENSION=-1"), output);
            assertTrue(output.contains("OPENSEARCH_AUTH=kerberos"), output);
        }
    }

    @Test
    void unreachableServicesAndAWrongModelAreAllListed() throws Exception {
        int closedPort = Metrics.freePort();
        try (WorkerProcess worker = WorkerProcess.start("startup-unreachable", Map.of(
                "SQS_QUEUE_URL", "http://127.0.0.1:" + closedPort + "/000000000000/nowhere",
                "AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:" + closedPort,
                "OPENSEARCH_ENDPOINT", "http://127.0.0.1:" + closedPort,
                "VECTOR_DIMENSION", "768"))) {
            assertEquals(3, worker.awaitExit(Duration.ofMinutes(2)));
            String output = Files.readString(worker.log());
            assertTrue(output.contains("model: model outputs 512-dimensional vectors but VECTOR_DIMENSION is 768"), output);
            assertTrue(output.contains("opensearch http://127.0.0.1:" + closedPort), output);
            assertTrue(output.contains("sqs queue http://127.0.0.1:" + closedPort), output);
        }
    }
}
