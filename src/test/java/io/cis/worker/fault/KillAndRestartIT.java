package io.cis.worker.fault;

import static io.cis.worker.fault.FaultKit.await;
import static io.cis.worker.fault.FaultKit.keysOf;
import static io.cis.worker.fault.FaultKit.outcomes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.testing.WorkerProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fault (a): the worker is killed with SIGKILL in the middle of 500 messages and started again. Whatever it had in
 * flight was never deleted, so it comes back after the visibility timeout: every image ends up indexed with its own
 * photo's vector, and both queues end empty.
 */
class KillAndRestartIT {

    private static final int MESSAGES = 500;
    private static final int VISIBILITY_SECONDS = 10;

    @Test
    void killNineMidRunThenRestartLosesNothing() throws InterruptedException {
        try (FaultKit kit = FaultKit.create("kill9-restart", 5, VISIBILITY_SECONDS)) {
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.SMALL), MESSAGES, "valid");
            kit.notifyCreated(keysOf(uploads));

            WorkerProcess first = kit.startWorker("first", Map.of());
            await("a third indexed before the kill", Duration.ofMinutes(3), () -> outcomes(first, "indexed") >= MESSAGES / 3);
            first.kill9();
            first.awaitExit(Duration.ofSeconds(30));
            int indexedBeforeKill = outcomes(first, "indexed");

            // Idle exit only after the visibility timeout, so the messages in flight at the kill are back by then.
            WorkerProcess restarted = kit.startWorker("restarted", Map.of(), "--exit-when-idle",
                    Integer.toString(VISIBILITY_SECONDS + 5));
            int exit = restarted.awaitExit(Duration.ofMinutes(4));

            FaultKit.Verification result = kit.verify(uploads);
            int queued = kit.queued();
            int deadLettered = kit.deadLettered();
            boolean ok = exit == 0 && result.correct() == MESSAGES && queued == 0 && deadLettered == 0
                    && indexedBeforeKill < MESSAGES;
            new ChaosSummary("a-kill9-restart", MESSAGES, "kill -9 after " + indexedBeforeKill + " indexed, restart",
                    result.correct(), result.lost(), kit.redeliveries(), deadLettered, kit.peakRssMb(), ok ? "ok" : "FAILED").write();

            assertTrue(indexedBeforeKill < MESSAGES, "the kill came too late to test anything: " + indexedBeforeKill);
            assertEquals(0, exit, "restarted worker exit code; log " + restarted.log());
            assertEquals(MESSAGES, result.correct(), "correct vectors; " + result.problems());
            assertEquals(0, queued, "messages left in the queue");
            assertEquals(0, deadLettered, "messages dead-lettered");
            // The restarted worker redid only what the first had not finished (plus what was in flight at the kill).
            assertTrue(outcomes(restarted, "indexed") <= MESSAGES - indexedBeforeKill + 64 + 16,
                    "restarted worker indexed " + outcomes(restarted, "indexed") + " after " + indexedBeforeKill);
        }
    }
}
