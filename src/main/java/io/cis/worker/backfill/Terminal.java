package io.cis.worker.backfill;

import java.io.Console;
import java.lang.reflect.Method;

/** Whether a person is watching: decides between a redrawn progress bar and periodic progress log lines. */
public final class Terminal {

    private Terminal() {
    }

    /**
     * {@code System.console()} is null when the streams are redirected up to JDK 21; from JDK 22 it returns a
     * console anyway and {@code Console.isTerminal()} (looked up reflectively: we build for 17) tells.
     */
    public static boolean isInteractive() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (NoSuchMethodException e) {
            return true; // JDK 17-21: a console exists only on a terminal
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
