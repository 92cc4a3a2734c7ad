package io.cis.worker.core;

/** Told by a client whether its service answered, so receiving can pause while the service is down. */
public interface ServiceHealthListener {

    /** The service answered (whatever it said about single items). */
    void answered();

    /** The service did not answer, or only with overload errors, even after the retries. */
    void unavailable(String reason);
}
