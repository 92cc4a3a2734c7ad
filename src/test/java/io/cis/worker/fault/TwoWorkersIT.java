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
 * Fault (e): two workers share one queue and one of them is killed with SIGKILL midway. The survivor finishes the
 * queue, including the messages the dead one had in flight once their visibility runs out: every image indexed with
 * its own photo's vector, both queues empty.
 */
class TwoWorkersIT {

    private static final int MESSAGES = 300;
    private static final int VISIBILITY_SECONDS = 10;

    @Test
    void oneOfTwoWorkersKilledMidwayLosesNothing() throws InterruptedException {
        try (FaultKit kit = FaultKit.create("two-workers", 5, VISIBILITY_SECONDS)) {
            List<FaultKit.Upload> uploads = kit.uploadPhotos(Photos.load(Photos.SMALL), MESSAGES, "valid");
            kit.notifyCreated(keysOf(uploads));

            WorkerProcess victim = kit.startWorker("victim", Map.of());
            WorkerProcess survivor = kit.startWorker("survivor", Map.of(), "--exit-when-idle",
                    Integer.toString(VISIBILITY_SECONDS + 5));
            await("both workers busy, a third done", Duration.ofMinutes(3), () -> outcomes(victim, "indexed") >= 10
                    && outcomes(survivor, "indexed") >= 10
                    && outcomes(victim, "indexed") + outcomes(survivor, "indexed") >= MESSAGES / 3);
            victim.kill9();
            victim.awaitExit(Duration.ofSeconds(30));
            int byVictim = outcomes(victim, "indexed");

            int exit = survivor.awaitExit(Duration.ofMinutes(4));

            FaultKit.Verification result = kit.verify(uploads);
            int queued = kit.queued();
            int deadLettered = kit.deadLettered();
            boolean ok = exit == 0 && result.correct() == MESSAGES && queued == 0 && deadLettered == 0;
            new ChaosSummary("e-two-workers-kill9", MESSAGES, "2 workers, kill -9 of one after it indexed " + byVictim,
                    result.correct(), result.lost(), kit.redeliveries(), deadLettered, kit.peakRssMb(), ok ? "ok" : "FAILED").write();

            assertEquals(0, exit, "survivor log " + survivor.log());
            assertEquals(MESSAGES, result.correct(), result.problems().toString());
            assertEquals(0, queued);
            assertEquals(0, deadLettered);
            assertTrue(byVictim < MESSAGES, "the victim did everything before the kill");
        }
    }
}
