package io.cis.worker.fetch;

import io.cis.worker.event.S3ObjectRef;

/** Reads one object from S3: its bytes within the size limit, or only what it currently is. */
public interface ObjectFetcher {

    FetchedObject fetch(S3ObjectRef object) throws FetchException;

    /**
     * The ETag and Last-Modified of the object (of the notification's version when it names one), without the body:
     * whether a cache hit found by the notification's ETag is still the object's content.
     */
    ObjectHead head(S3ObjectRef object) throws FetchException;
}
