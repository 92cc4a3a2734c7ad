package io.cis.worker.event;

import io.cis.worker.core.Outcome;
import io.cis.worker.core.Reason;
import java.util.Objects;

/** One record of a message body: either an object to process or a skip the caller can settle immediately. */
public sealed interface NotificationRecord permits NotificationRecord.ObjectCreated, NotificationRecord.Skipped {

    /**
     * An object was created and may need an embedding.
     *
     * @param object             the object
     * @param explicitDocumentId the document id the message names itself (the old worker's {@code {"id", "s3_url"}}
     *                           form), or {@code null} when the configured id mapping decides
     */
    record ObjectCreated(S3ObjectRef object, String explicitDocumentId) implements NotificationRecord {
        public ObjectCreated {
            Objects.requireNonNull(object, "object");
            if (explicitDocumentId != null && explicitDocumentId.isBlank()) {
                throw new IllegalArgumentException("explicit document id must not be blank for " + object.s3Url());
            }
        }

        public boolean hasExplicitDocumentId() {
            return explicitDocumentId != null;
        }
    }

    /**
     * Nothing to do for this record.
     *
     * @param reason why
     * @param detail what the message said, for the log line (e.g. the event name)
     * @param object the object concerned, or {@code null} when the event names none (test events, SNS handshakes)
     */
    record Skipped(Reason reason, String detail, S3ObjectRef object) implements NotificationRecord {
        public Skipped {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
            if (!reason.allows(Outcome.Kind.SKIPPED)) {
                throw new IllegalArgumentException(reason.code() + " is no reason to skip");
            }
        }
    }
}
