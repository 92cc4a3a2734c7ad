package io.cis.worker.backfill;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cis.worker.event.NotificationParser;
import io.cis.worker.event.NotificationRecord;
import io.cis.worker.event.S3ObjectRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackfillEnqueuerTest {

    @Test
    void aDocumentCandidateBecomesAMessageNamingItsDocument() throws Exception {
        BackfillCandidate candidate = new BackfillCandidate(S3ObjectRef.of("photos", "a b/été+1.jpg"), "doc-17");
        String body = BackfillEnqueuer.body(candidate);

        JsonNode json = new ObjectMapper().readTree(body);
        assertEquals("doc-17", json.path("id").asText());
        NotificationRecord.ObjectCreated parsed = onlyRecord(body);
        assertEquals("doc-17", parsed.explicitDocumentId());
        assertEquals(candidate.object(), parsed.object());
    }

    @Test
    void anS3CandidateBecomesAnS3Notification() throws Exception {
        BackfillCandidate candidate = new BackfillCandidate(new S3ObjectRef("photos", "a b/été+1.jpg", null, 42L, "abc"), null);
        String body = BackfillEnqueuer.body(candidate);

        assertEquals("ObjectCreated:Put", new ObjectMapper().readTree(body).path("Records").get(0).path("eventName").asText());
        NotificationRecord.ObjectCreated parsed = onlyRecord(body);
        assertEquals(null, parsed.explicitDocumentId());
        assertEquals("a b/été+1.jpg", parsed.object().key());
        assertEquals(42L, parsed.object().size());
    }

    private static NotificationRecord.ObjectCreated onlyRecord(String body) throws Exception {
        List<NotificationRecord> records = new NotificationParser().parse(body).records();
        assertEquals(1, records.size());
        return (NotificationRecord.ObjectCreated) records.get(0);
    }
}
