package io.cis.worker.fetch;

import io.cis.worker.event.S3ObjectRef;

/** Downloads one object within the size limit. */
public interface ObjectFetcher {
    FetchedObject fetch(S3ObjectRef object) throws FetchException;
}
