package io.cis.worker.event;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cis.worker.core.Reason;
import io.cis.worker.event.NotificationRecord.ObjectCreated;
import io.cis.worker.event.NotificationRecord.Skipped;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NotificationParserTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final NotificationParser parser = new NotificationParser();

    // ---- S3 event notifications -------------------------------------------------------------------------------

    @Test
    void readsAnS3PutNotificationKeepingVersionSizeETagAndSequencer() throws Exception {
        ParsedMessage message = parser.parse(fixture("s3-put-single.json"));

        assertEquals(ParsedMessage.Format.S3_EVENT_NOTIFICATION, message.format());
        assertFalse(message.viaSns());
        assertEquals(List.of(new ObjectCreated(new S3ObjectRef("cis-files", "photos/2024/05/beach.jpg",
                "096fKKXTRTtl3on89fVO.nfljtsv6qko", 2483519L, "9b2cf535f27731c974343645a3985328", "0066432E7F5B6D1A2C"), null)),
                message.records());
    }

    @Test
    void readsEveryRecordAndDecodesKeysAsS3EncodesThem() throws Exception {
        ParsedMessage message = parser.parse(fixture("s3-multi-record-encoded-keys.json"));

        assertEquals(List.of(
                created(new S3ObjectRef("cis-files", "holiday photos/my cat\u00e9 (1).jpg",
                        "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrH", 183422L, "5d41402abc4b2a76b9719d911017c592", "0066432EA2B19C3F11")),
                created(new S3ObjectRef("cis-files", "diagrams/c++/class diagram+v2.PNG",
                        null, 31457281L, "f1c9645dbc14efddc7d8a322685f26eb-4", "0066432EA5E8B7C412")),
                created(new S3ObjectRef("cis-archive", "scans/2023/Q4/\u6771\u4eac/receipt%final.tiff",
                        null, 0L, "d41d8cd98f00b204e9800998ecf8427e", "0066432EA7A1D0E513"))),
                message.records());
    }

    @Test
    void skipsRemovedAndOtherEventsButKeepsTheCreatedOneBesideThem() throws Exception {
        ParsedMessage message = parser.parse(fixture("s3-created-removed-restored.json"));

        assertEquals(List.of(
                created(new S3ObjectRef("cis-files", "uploads/avatar.webp", null, 48211L,
                        "0cc175b9c0f1b6a831c399e269772661", "006643391F0A1B2C01")),
                new Skipped(Reason.OBJECT_REMOVED, "ObjectRemoved:Delete",
                        new S3ObjectRef("cis-files", "uploads/old avatar.png", null, null, null, "00664339215C3D4E02")),
                new Skipped(Reason.OTHER_EVENT_TYPE, "ObjectRestore:Completed",
                        new S3ObjectRef("cis-files", "archive/2019/party.jpg", null, 912334L,
                                "92eb5ffee6ae2fec3ad71c777531578f"))),
                message.records());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "ObjectCreated:Put, CREATED",
            "ObjectCreated:Post, CREATED",
            "ObjectCreated:Copy, CREATED",
            "ObjectCreated:CompleteMultipartUpload, CREATED",
            "s3:ObjectCreated:Put, CREATED",
            "ObjectRemoved:Delete, OBJECT_REMOVED",
            "ObjectRemoved:DeleteMarkerCreated, OBJECT_REMOVED",
            "ObjectRestore:Post, OTHER_EVENT_TYPE",
            "ObjectTagging:Put, OTHER_EVENT_TYPE",
            "LifecycleTransition, OTHER_EVENT_TYPE",
            "Replication:OperationFailedReplication, OTHER_EVENT_TYPE",
            "ReducedRedundancyLostObject, OTHER_EVENT_TYPE"})
    void classifiesEventNames(String eventName, String expected) throws Exception {
        NotificationRecord record = single(parser.parse(notification(s3Record(eventName, "\"key\": \"a.jpg\""))));

        if (expected.equals("CREATED")) {
            assertEquals(created(S3ObjectRef.of("cis-files", "a.jpg")), record);
        } else {
            Skipped skipped = assertInstanceOf(Skipped.class, record);
            assertEquals(Reason.valueOf(expected), skipped.reason());
            assertTrue(skipped.detail().contains(eventName.replace("s3:", "")), skipped.detail());
            assertEquals(S3ObjectRef.of("cis-files", "a.jpg"), skipped.object());
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "my+photo.jpg | my photo.jpg",
            "c%2B%2B.png | c++.png",
            "a%2Bb+c.jpg | a+b c.jpg",
            "caf%C3%A9.jpg | caf\u00e9.jpg",
            "100%25+done.gif | 100% done.gif",
            "deep/folder/tree/x.bmp | deep/folder/tree/x.bmp",
            "x%2Fy.jpg | x/y.jpg",
            "%F0%9F%93%B7.webp | \uD83D\uDCF7.webp"})
    void decodesS3KeysPlusAsSpaceAndPercentAsUtf8(String encoded, String expected) throws Exception {
        ObjectCreated record = assertInstanceOf(ObjectCreated.class,
                single(parser.parse(notification(s3Record("ObjectCreated:Put", "\"key\": \"" + encoded + "\"")))));

        assertEquals(expected, record.object().key());
    }

    @Test
    void skipsTheS3TestEvent() throws Exception {
        ParsedMessage message = parser.parse(fixture("s3-test-event.json"));

        assertEquals(ParsedMessage.Format.S3_TEST_EVENT, message.format());
        Skipped skipped = assertInstanceOf(Skipped.class, single(message));
        assertEquals(Reason.TEST_EVENT, skipped.reason());
        assertEquals("s3:TestEvent for bucket cis-files", skipped.detail());
        assertNull(skipped.object());
    }

    // ---- SNS envelope -----------------------------------------------------------------------------------------

    @Test
    void unwrapsAnSnsNotificationToTheSameRecordsAsTheDirectMessage() throws Exception {
        ParsedMessage wrapped = parser.parse(fixture("sns-s3-notification.json"));
        ParsedMessage direct = parser.parse(fixture("s3-multi-record-encoded-keys.json"));

        assertTrue(wrapped.viaSns());
        assertEquals(ParsedMessage.Format.S3_EVENT_NOTIFICATION, wrapped.format());
        assertEquals(3, wrapped.records().size());
        assertEquals(direct.records(), wrapped.records());
    }

    @Test
    void skipsTheS3TestEventSentThroughSns() throws Exception {
        ParsedMessage message = parser.parse(fixture("sns-s3-test-event.json"));

        assertTrue(message.viaSns());
        assertEquals(Reason.TEST_EVENT, assertInstanceOf(Skipped.class, single(message)).reason());
    }

    @Test
    void unwrapsEventBridgeAndLegacyBodiesFromSnsToo() throws Exception {
        ParsedMessage eventBridge = parser.parse(snsWrap(fixture("eventbridge-object-created.json")));
        ParsedMessage legacy = parser.parse(snsWrap(fixture("legacy-id-url.json")));

        assertEquals(ParsedMessage.Format.EVENTBRIDGE, eventBridge.format());
        assertTrue(eventBridge.viaSns());
        assertEquals(parser.parse(fixture("eventbridge-object-created.json")).records(), eventBridge.records());
        assertEquals(ParsedMessage.Format.LEGACY_ID_AND_URL, legacy.format());
        assertEquals(parser.parse(fixture("legacy-id-url.json")).records(), legacy.records());
    }

    @ParameterizedTest
    @ValueSource(strings = {"SubscriptionConfirmation", "UnsubscribeConfirmation"})
    void skipsSnsSubscriptionHandshakes(String type) throws Exception {
        String body = """
                {"Type": "%s", "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b", "Token": "2336412f37",
                 "TopicArn": "arn:aws:sns:eu-west-1:111122223333:cis-image-uploads",
                 "Message": "You have chosen to subscribe to the topic.", "Timestamp": "2024-05-14T09:00:00.000Z"}
                """.formatted(type);

        ParsedMessage message = parser.parse(body);

        assertEquals(ParsedMessage.Format.SNS_CONTROL, message.format());
        Skipped skipped = assertInstanceOf(Skipped.class, single(message));
        assertEquals(Reason.OTHER_EVENT_TYPE, skipped.reason());
        assertTrue(skipped.detail().contains(type), skipped.detail());
    }

    // ---- EventBridge ------------------------------------------------------------------------------------------

    @Test
    void readsAnEventBridgeObjectCreatedEventTakingTheKeyAsIs() throws Exception {
        ParsedMessage message = parser.parse(fixture("eventbridge-object-created.json"));

        assertEquals(ParsedMessage.Format.EVENTBRIDGE, message.format());
        assertEquals(created(new S3ObjectRef("cis-files", "holiday photos/menu+caf\u00e9 100%.jpg",
                "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e", 734002L, "b1946ac92492d2347c6235b4d2611184", "617f08299329d189")), single(message));
    }

    @Test
    void skipsAnEventBridgeObjectDeletedEvent() throws Exception {
        Skipped skipped = assertInstanceOf(Skipped.class, single(parser.parse(fixture("eventbridge-object-deleted.json"))));

        assertEquals(Reason.OBJECT_REMOVED, skipped.reason());
        assertEquals("Object Deleted (DeleteObject)", skipped.detail());
        assertEquals("s3://cis-files/photos/2024/05/beach.jpg", skipped.object().s3Url());
        assertEquals("1QW9g1Z99LUNbvaaYVpW9xDlOLU.qxgF", skipped.object().versionId());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Object Restore Completed", "Object Tags Added", "Object Storage Class Changed"})
    void skipsOtherEventBridgeS3Events(String detailType) throws Exception {
        String body = """
                {"version": "0", "detail-type": "%s", "source": "aws.s3", "account": "111122223333",
                 "detail": {"version": "0", "bucket": {"name": "cis-files"}, "object": {"key": "a.jpg", "etag": "e"}}}
                """.formatted(detailType);

        Skipped skipped = assertInstanceOf(Skipped.class, single(parser.parse(body)));

        assertEquals(Reason.OTHER_EVENT_TYPE, skipped.reason());
        assertEquals(detailType, skipped.detail());
    }

    // ---- the old worker's form --------------------------------------------------------------------------------

    @Test
    void readsTheLegacyFormWithItsDocumentIdAndALiteralKey() throws Exception {
        ParsedMessage message = parser.parse(fixture("legacy-id-url.json"));

        assertEquals(ParsedMessage.Format.LEGACY_ID_AND_URL, message.format());
        ObjectCreated record = assertInstanceOf(ObjectCreated.class, single(message));
        assertTrue(record.hasExplicitDocumentId());
        assertEquals("file-7f3a2c", record.explicitDocumentId());
        assertEquals(S3ObjectRef.of("cis-files", "scans/page 1+2 \u00e9.tiff"), record.object());
    }

    @Test
    void legacyKeyKeepsEverythingAfterTheBucketIncludingSlashesAndPercent() throws Exception {
        ObjectCreated record = assertInstanceOf(ObjectCreated.class,
                single(parser.parse("{\"id\": 42, \"s3_url\": \"s3://b/a//b/100%25 c.jpg\", \"extra\": true}")));

        assertEquals("42", record.explicitDocumentId());
        assertEquals(S3ObjectRef.of("b", "a//b/100%25 c.jpg"), record.object());
    }

    // ---- rejected bodies --------------------------------------------------------------------------------------

    static Stream<Arguments> malformedBodies() {
        return Stream.of(
                bad("empty body", "", "body is empty"),
                bad("blank body", "  \n", "body is empty"),
                bad("not JSON", "hello", "body is not valid JSON"),
                bad("truncated JSON", "{\"Records\": [", "body is not valid JSON"),
                bad("trailing garbage", "{\"id\": \"a\", \"s3_url\": \"s3://b/k.jpg\"} x", "body is not valid JSON"),
                bad("duplicate field", "{\"id\": \"a\", \"id\": \"b\", \"s3_url\": \"s3://b/k.jpg\"}", "Duplicate field 'id'"),
                bad("JSON array", "[1, 2]", "body must be a JSON object, got array"),
                bad("JSON string", "\"s3://b/k.jpg\"", "body must be a JSON object, got string"),
                bad("JSON null", "null", "body must be a JSON object, got null"),
                bad("empty object", "{}", "unrecognised message: top-level fields []"),
                bad("unknown shape", "{\"bucket\": \"b\", \"key\": \"k.jpg\"}", "unrecognised message: top-level fields [bucket, key]"),

                bad("Records empty", "{\"Records\": []}", "Records is empty"),
                bad("Records not an array", "{\"Records\": {}}", "Records must be an array, got object"),
                bad("Records null", "{\"Records\": null}", "Records must be an array, got null"),
                bad("record not an object", "{\"Records\": [42]}", "Records[0] must be an object, got number 42"),
                bad("record without eventName", notification("{\"s3\": {\"bucket\": {\"name\": \"b\"}, \"object\": {\"key\": \"k\"}}}"),
                        "Records[0].eventName is missing"),
                bad("record without s3", notification("{\"eventName\": \"ObjectCreated:Put\"}"), "Records[0].s3 is missing"),
                bad("record without bucket name", notification("{\"eventName\": \"ObjectCreated:Put\", \"s3\": {\"bucket\": {},"
                        + " \"object\": {\"key\": \"k\"}}}"), "Records[0].s3.bucket.name is missing"),
                bad("second record without key", notification(s3Record("ObjectCreated:Put", "\"key\": \"ok.jpg\""),
                        s3Record("ObjectCreated:Put", "\"size\": 3")), "Records[1].s3.object.key is missing"),
                bad("key not a string", notification(s3Record("ObjectCreated:Put", "\"key\": 7")),
                        "Records[0].s3.object.key must be a string, got number 7"),
                bad("key empty", notification(s3Record("ObjectCreated:Put", "\"key\": \"\"")), "Records[0].s3.object.key is empty"),
                bad("key decodes to blank", notification(s3Record("ObjectCreated:Put", "\"key\": \"+\"")),
                        "Records[0].s3.object.key decodes to an empty key"),
                bad("key with broken escape", notification(s3Record("ObjectCreated:Put", "\"key\": \"bad%zz.jpg\"")),
                        "Records[0].s3.object.key \"bad%zz.jpg\" is not valid URL encoding"),
                bad("key with cut escape", notification(s3Record("ObjectCreated:Put", "\"key\": \"bad%4\"")),
                        "is not valid URL encoding"),
                bad("size as string", notification(s3Record("ObjectCreated:Put", "\"key\": \"a.jpg\", \"size\": \"12\"")),
                        "Records[0].s3.object.size must be a whole number, got string \"12\""),
                bad("size fractional", notification(s3Record("ObjectCreated:Put", "\"key\": \"a.jpg\", \"size\": 1.5")),
                        "Records[0].s3.object.size must be a whole number"),
                bad("size negative", notification(s3Record("ObjectCreated:Put", "\"key\": \"a.jpg\", \"size\": -1")),
                        "Records[0].s3.object.size must not be negative"),
                bad("versionId not a string", notification(s3Record("ObjectCreated:Put", "\"key\": \"a.jpg\", \"versionId\": {}")),
                        "Records[0].s3.object.versionId must be a string, got object"),

                bad("unknown S3 service event", "{\"Service\": \"Amazon S3\", \"Event\": \"s3:Other\"}",
                        "Event \"s3:Other\" is not an S3 event this worker knows"),

                bad("EventBridge from another service", "{\"detail-type\": \"EC2 Instance State-change Notification\","
                        + " \"source\": \"aws.ec2\", \"detail\": {}}", "EventBridge event from source \"aws.ec2\" is not an S3 event"),
                bad("EventBridge without detail", "{\"detail-type\": \"Object Created\", \"source\": \"aws.s3\"}", "detail is missing"),
                bad("EventBridge without key", "{\"detail-type\": \"Object Created\", \"source\": \"aws.s3\","
                        + " \"detail\": {\"bucket\": {\"name\": \"b\"}, \"object\": {\"size\": 1}}}", "detail.object.key is missing"),
                bad("EventBridge without bucket", "{\"detail-type\": \"Object Created\", \"source\": \"aws.s3\","
                        + " \"detail\": {\"object\": {\"key\": \"a.jpg\"}}}", "detail.bucket is missing"),

                bad("legacy URL not s3", "{\"id\": \"d1\", \"s3_url\": \"https://b.example/k.jpg\"}",
                        "s3_url \"https://b.example/k.jpg\" does not start with s3://"),
                bad("legacy URL without key", "{\"id\": \"d1\", \"s3_url\": \"s3://bucket\"}", "is not of the form s3://bucket/key"),
                bad("legacy URL with empty key", "{\"id\": \"d1\", \"s3_url\": \"s3://bucket/\"}", "has no object key after the bucket"),
                bad("legacy URL without bucket", "{\"id\": \"d1\", \"s3_url\": \"s3:///k.jpg\"}", "is not of the form s3://bucket/key"),
                bad("legacy without id", "{\"s3_url\": \"s3://b/k.jpg\"}", "id is missing"),
                bad("legacy with blank id", "{\"id\": \" \", \"s3_url\": \"s3://b/k.jpg\"}", "id is empty"),
                bad("legacy with object id", "{\"id\": {}, \"s3_url\": \"s3://b/k.jpg\"}", "id must be a string, got object"),

                bad("SNS without Message", "{\"Type\": \"Notification\", \"TopicArn\": \"arn:aws:sns:eu-west-1:1:t\"}",
                        "Message is missing"),
                bad("SNS Message not JSON", "{\"Type\": \"Notification\", \"Message\": \"hello\"}", "SNS Message is not valid JSON"),
                bad("SNS Message of unknown shape", "{\"Type\": \"Notification\", \"Message\": \"{\\\"a\\\": 1}\"}",
                        "SNS Message: unrecognised message: top-level fields [a]"),
                bad("SNS Message with a bad record", "{\"Type\": \"Notification\", \"Message\": \"{\\\"Records\\\": []}\"}",
                        "SNS Message: Records is empty"),
                bad("SNS unknown Type", "{\"Type\": \"Weird\", \"Message\": \"{}\"}", "SNS message Type \"Weird\" is not Notification"),
                bad("SNS inside SNS", "{\"Type\": \"Notification\", \"Message\": "
                        + "\"{\\\"Type\\\": \\\"Notification\\\", \\\"Message\\\": \\\"{}\\\"}\"}", "only one level is unwrapped"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedBodies")
    void rejectsMalformedBodiesSayingWhatIsWrong(String description, String body, String expectedMessage) {
        MessageParseException e = assertThrows(MessageParseException.class, () -> parser.parse(body));

        assertTrue(e.getMessage().contains(expectedMessage),
                () -> "expected \"" + expectedMessage + "\" in: " + e.getMessage());
    }

    @Test
    void rejectsANullBody() {
        MessageParseException e = assertThrows(MessageParseException.class, () -> parser.parse(null));

        assertEquals("body is empty", e.getMessage());
    }

    @Test
    void anyDamageToARealBodyIsAParseErrorNeverACrash() throws Exception {
        // Cut every fixture at every position: each prefix must parse or be rejected with the typed error.
        for (String name : List.of("s3-multi-record-encoded-keys.json", "sns-s3-notification.json",
                "eventbridge-object-created.json", "legacy-id-url.json", "s3-test-event.json")) {
            String body = fixture(name);
            for (int end = 0; end < body.length(); end++) {
                String damaged = body.substring(0, end);
                try {
                    parser.parse(damaged);
                } catch (MessageParseException expected) {
                    // the outcome we want for a broken body
                } catch (RuntimeException e) {
                    throw new AssertionError(name + " cut at " + end + " crashed the parser", e);
                }
            }
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static Arguments bad(String description, String body, String expectedMessage) {
        return Arguments.of(description, body, expectedMessage);
    }

    private static ObjectCreated created(S3ObjectRef ref) {
        return new ObjectCreated(ref, null);
    }

    private static NotificationRecord single(ParsedMessage message) {
        assertEquals(1, message.records().size(), () -> "expected one record in " + message);
        return message.records().get(0);
    }

    /** A minimal S3 notification record with the given event name and object fields. */
    private static String s3Record(String eventName, String objectFields) {
        return """
                {"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "%s",
                 "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": "cis-files"}, "object": {%s}}}
                """.formatted(eventName, objectFields);
    }

    private static String notification(String... records) {
        return "{\"Records\": [" + String.join(",", records) + "]}";
    }

    private static String snsWrap(String inner) throws IOException {
        ObjectNode envelope = JSON.createObjectNode()
                .put("Type", "Notification")
                .put("MessageId", "b2c3d4e5-f6a7-5b8c-9d0e-1f2a3b4c5d6e")
                .put("TopicArn", "arn:aws:sns:eu-west-1:111122223333:cis-image-uploads")
                .put("Message", inner)
                .put("Timestamp", "2024-05-14T09:16:08.012Z");
        return JSON.writeValueAsString(envelope);
    }

    private static String fixture(String name) throws IOException {
        try (InputStream in = NotificationParserTest.class.getResourceAsStream("/events/" + name)) {
            if (in == null) {
                throw new IOException("missing test fixture events/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
