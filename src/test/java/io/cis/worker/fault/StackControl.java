package io.cis.worker.fault;

import io.cis.worker.testing.LocalStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Stops and restarts one service of the local stack the test run started, through scripts/local-stack.sh
 * stop-service / start-service. The stack is the one named by the CIS_* variables scripts/test.sh exports; the
 * test refuses to run if they are missing or point at another OpenSearch than the one under test.
 */
final class StackControl {

    private StackControl() {
    }

    static void requireOwnStack() {
        String stackDir = LocalStack.require("CIS_STACK_DIR");
        String port = LocalStack.require("CIS_OPENSEARCH_PORT");
        if (LocalStack.openSearch().getPort() != Integer.parseInt(port)) {
            throw new IllegalStateException("OPENSEARCH_ENDPOINT " + LocalStack.openSearch() + " is not the stack in "
                    + stackDir + " (CIS_OPENSEARCH_PORT=" + port + ")");
        }
    }

    static void stop(String service) {
        run("stop-service", service);
    }

    static void start(String service) {
        run("start-service", service);
    }

    private static void run(String command, String service) {
        requireOwnStack();
        try {
            Path log = Files.createDirectories(Path.of("target/it-logs")).resolve("local-stack-" + command + "-" + service + ".log");
            Process process = new ProcessBuilder("scripts/local-stack.sh", command, service)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("local-stack.sh " + command + " " + service + " hung; see " + log);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("local-stack.sh " + command + " " + service + " failed: "
                        + Files.readString(log));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
