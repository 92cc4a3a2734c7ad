package io.cis.worker.core;

/** Told by a client whether its service answered, so receiving can pause while the service is down. */
public interface ServiceHealthListener {

    /** The service answered (whatever it said about single items). */
    void answered();

    /**
     * The service did not answer, or only with overload errors, even after the retries.
     *
     * @param reason the last failure's code, e.g. {@link Reason#INDEX_UNREACHABLE}
     * @param detail the last failure in free text
     */
    void unavailable(Reason reason, String detail);
}
