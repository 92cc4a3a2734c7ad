package io.cis.worker.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cis.worker.config.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/aws-setup.sh without AWS. A dry run must call nothing and print every change; a "real" run goes against
 * a stand-in `aws` on PATH that answers the script's look-ups like a new or an already set-up account and records
 * every call, which shows the idempotent branches and the merge with a bucket's other notifications.
 */
class AwsSetupScriptTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCOUNT = "123456789012";

    @TempDir
    Path tmp;
    private Path bin;
    private Path calls;

    record Result(int exit, String output) {
        List<String> changes() {
            return output.lines().filter(l -> l.startsWith("+ ")).map(l -> l.substring(2)).toList();
        }
    }

    /**
     * A stand-in for the aws CLI (and java, for create-index): records its arguments; answers look-ups from
     * FAKE_AWS_STATE (new = nothing exists, existing = everything does, with other notifications on the bucket).
     */
    @BeforeEach
    void fakeTools() throws IOException {
        Assumptions.assumeTrue(SystemdUnitTest.onPath("jq"), "jq is not installed (Debian package jq; scripts/test.sh "
                + "installs it when run as root): aws-setup.sh tests skipped");
        bin = Files.createDirectory(tmp.resolve("bin"));
        calls = tmp.resolve("calls.log");
        Files.writeString(bin.resolve("aws"), """
                #!/usr/bin/env bash
                echo "aws $*" >> "$FAKE_CALLS"
                [ -n "${FAKE_AWS_STATE:-}" ] || { echo "a dry run called aws" >&2; exit 97; }
                args=" $* "
                case "$args" in
                  *" sts get-caller-identity "*) echo "arn:aws:iam::210987654321:user/ops" ;;
                  *" s3api head-bucket "*"--expected-bucket-owner ${FAKE_BUCKET_OWNER:-210987654321} "*) ;;
                  *" s3api head-bucket "*)
                    echo "An error occurred (403) when calling the HeadBucket operation: Forbidden" >&2; exit 254 ;;
                  *" sqs get-queue-url "*)
                    [ "$FAKE_AWS_STATE" = existing ] || { echo "AWS.SimpleQueueService.NonExistentQueue" >&2; exit 254; }
                    echo "https://sqs.eu-west-1.amazonaws.com/210987654321/cis-worker" ;;
                  *" sqs get-queue-attributes "*)
                    if [ "$FAKE_AWS_STATE" = existing ]; then cat "$FAKE_EXISTING_QUEUE_ATTRIBUTES"; fi ;;
                  *" s3api get-bucket-notification-configuration "*)
                    if [ "$FAKE_AWS_STATE" = existing ]; then cat "$FAKE_EXISTING_NOTIFICATIONS"; fi ;;
                  *" dynamodb describe-table "*)
                    [ "$FAKE_AWS_STATE" = existing ] || { echo "ResourceNotFoundException" >&2; exit 254; }
                    echo '{"Table":{}}' ;;
                  *" dynamodb describe-time-to-live "*)
                    if [ "$FAKE_AWS_STATE" = existing ]; then echo ENABLED; else echo DISABLED; fi ;;
                esac
                exit 0
                """);
        Files.writeString(bin.resolve("java"), """
                #!/usr/bin/env bash
                echo "java $* OPENSEARCH_AUTH=$OPENSEARCH_AUTH OPENSEARCH_SIGV4_SERVICE=$OPENSEARCH_SIGV4_SERVICE" >> "$FAKE_CALLS"
                [ -n "${FAKE_AWS_STATE:-}" ] || exit 97
                """);
        bin.resolve("aws").toFile().setExecutable(true);
        bin.resolve("java").toFile().setExecutable(true);
        Files.writeString(tmp.resolve("existing.json"), """
                {"QueueConfigurations": [
                   {"Id": "thumbnailer", "QueueArn": "arn:aws:sqs:eu-west-1:210987654321:thumbs",
                    "Events": ["s3:ObjectCreated:*"], "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "thumbs/"}]}}},
                   {"Id": "cis-worker-gif", "QueueArn": "arn:aws:sqs:eu-west-1:210987654321:cis-worker", "Events": ["s3:ObjectCreated:Put"]},
                   {"Id": "cis-worker-other-jpg", "QueueArn": "arn:aws:sqs:eu-west-1:210987654321:other",
                    "Events": ["s3:ObjectCreated:*"], "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "other/"}]}}}],
                 "TopicConfigurations": [{"Id": "audit", "TopicArn": "arn:aws:sns:eu-west-1:210987654321:audit",
                    "Events": ["s3:ObjectRemoved:*"]}]}
                """);
    }

    /** The queue's policy as an earlier run left it, plus a statement that lets an SNS topic deliver (fan-out). */
    private void existingQueuePolicy() throws IOException {
        String policy = JSON.writeValueAsString(JSON.readTree("""
                {"Version": "2012-10-17", "Statement": [
                  {"Sid": "S3ObjectCreatedNotifications", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                   "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:210987654321:cis-worker",
                   "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::photos"}}},
                  {"Sid": "FromUploadsTopic", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                   "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:210987654321:cis-worker",
                   "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:eu-west-1:210987654321:uploads"}}}]}
                """));
        Files.writeString(tmp.resolve("queue-attributes.json"),
                JSON.writeValueAsString(JSON.createObjectNode().set("Attributes", JSON.createObjectNode().put("Policy", policy))));
    }

    private Result run(String state, String... args) throws IOException, InterruptedException {
        return run(state, Map.of(), args);
    }

    private Result run(String state, Map<String, String> extraEnv, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", "scripts/aws-setup.sh", "--out", tmp.resolve("out").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("PATH", bin + ":" + env.get("PATH"));
        env.put("FAKE_CALLS", calls.toString());
        env.put("FAKE_EXISTING_NOTIFICATIONS", tmp.resolve("existing.json").toString());
        env.put("FAKE_EXISTING_QUEUE_ATTRIBUTES", tmp.resolve("queue-attributes.json").toString());
        env.remove("AWS_REGION");
        if (state != null) {
            env.put("FAKE_AWS_STATE", state);
        }
        env.putAll(extraEnv);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "aws-setup.sh did not finish");
        return new Result(process.exitValue(), output);
    }

    private JsonNode document(String name) throws IOException {
        return JSON.readTree(tmp.resolve("out").resolve(name).toFile());
    }

    private List<String> recordedCalls() throws IOException {
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    @Test
    void aDryRunCallsNothingAndPrintsEveryChange() throws Exception {
        Result result = run(null, "--dry-run", "--bucket", "photos", "--region", "eu-west-1", "--account-id", ACCOUNT,
                "--prefix", "uploads/", "--role", "cis-worker-instance",
                "--opensearch-endpoint", "https://search-cis-abc.eu-west-1.es.amazonaws.com", "--opensearch-domain", "cis",
                "--cloudwatch-namespace", "cis-worker");
        assertEquals(0, result.exit(), result.output());
        assertEquals(List.of(), recordedCalls(), "a dry run must not run aws (or the worker)");

        List<String> changes = result.changes();
        String aws = "aws --region eu-west-1 --output json ";
        assertEquals(List.of(
                aws + "sqs create-queue --queue-name cis-worker-dlq --attributes MessageRetentionPeriod=1209600",
                aws + "sqs create-queue --queue-name cis-worker --attributes file://" + tmp.resolve("out/queue-attributes.json"),
                aws + "s3api put-bucket-notification-configuration --bucket photos --notification-configuration file://"
                        + tmp.resolve("out/bucket-notification.json"),
                aws + "dynamodb create-table --table-name cis-image-embedding-cache --attribute-definitions "
                        + "AttributeName=image_hash,AttributeType=S --key-schema AttributeName=image_hash,KeyType=HASH "
                        + "--billing-mode PAY_PER_REQUEST",
                aws + "dynamodb wait table-exists --table-name cis-image-embedding-cache",
                aws + "dynamodb update-time-to-live --table-name cis-image-embedding-cache "
                        + "--time-to-live-specification Enabled=true,AttributeName=ttl",
                "env OPENSEARCH_ENDPOINT=https://search-cis-abc.eu-west-1.es.amazonaws.com OPENSEARCH_AUTH=sigv4 "
                        + "OPENSEARCH_SIGV4_SERVICE=es AWS_REGION=eu-west-1 java " + SystemdUnitTest.JAVA_FLAGS.split(" ")[0]
                        + " -jar " + Path.of("").toAbsolutePath().resolve("target/cis-worker.jar") + " create-index",
                aws + "iam put-role-policy --role-name cis-worker-instance --policy-name cis-worker --policy-document file://"
                        + tmp.resolve("out/iam-policy.json")), changes);

        // The queue: the worker's visibility default, dead letters after 5 receives, only this bucket may send.
        JsonNode attributes = document("queue-attributes.json");
        assertEquals(Settings.SQS_VISIBILITY_TIMEOUT_SECONDS.defaultValue(), attributes.path("VisibilityTimeout").asText());
        JsonNode redrive = JSON.readTree(attributes.path("RedrivePolicy").asText());
        assertEquals(5, redrive.path("maxReceiveCount").asInt());
        assertEquals("arn:aws:sqs:eu-west-1:" + ACCOUNT + ":cis-worker-dlq", redrive.path("deadLetterTargetArn").asText());
        JsonNode statement = JSON.readTree(attributes.path("Policy").asText()).path("Statement").get(0);
        assertEquals("s3.amazonaws.com", statement.path("Principal").path("Service").asText());
        assertEquals("sqs:SendMessage", statement.path("Action").asText());
        assertEquals("arn:aws:sqs:eu-west-1:" + ACCOUNT + ":cis-worker", statement.path("Resource").asText());
        assertEquals("arn:aws:s3:::photos", statement.path("Condition").path("ArnLike").path("aws:SourceArn").asText());
        assertEquals(ACCOUNT, statement.path("Condition").path("StringEquals").path("aws:SourceAccount").asText());

        // The notifications: one per image extension the worker accepts, lower and upper case, under the prefix.
        Set<String> expectedSuffixes = new HashSet<>();
        for (String ext : Settings.IMAGE_EXTENSIONS.defaultValue().split(",")) {
            expectedSuffixes.add("." + ext);
            expectedSuffixes.add("." + ext.toUpperCase(Locale.ROOT));
        }
        Set<String> suffixes = new HashSet<>();
        for (JsonNode config : document("bucket-notification.json").path("QueueConfigurations")) {
            assertEquals("arn:aws:sqs:eu-west-1:" + ACCOUNT + ":cis-worker", config.path("QueueArn").asText());
            assertEquals("[\"s3:ObjectCreated:*\"]", config.path("Events").toString());
            Map<String, String> rules = new java.util.HashMap<>();
            config.path("Filter").path("Key").path("FilterRules").forEach(r -> rules.put(r.path("Name").asText(), r.path("Value").asText()));
            assertEquals("uploads/", rules.get("prefix"));
            suffixes.add(rules.get("suffix"));
        }
        assertEquals(expectedSuffixes, suffixes);

        // The policy: every placeholder filled, each statement on its named resource.
        String policyText = Files.readString(tmp.resolve("out/iam-policy.json"));
        assertFalse(policyText.contains("${"), policyText);
        Map<String, JsonNode> statements = statements(document("iam-policy.json"));
        assertEquals("arn:aws:s3:::photos/uploads/*", statements.get("ReadImages").path("Resource").asText());
        assertEquals("arn:aws:dynamodb:eu-west-1:" + ACCOUNT + ":table/cis-image-embedding-cache",
                statements.get("EmbeddingCache").path("Resource").asText());
        assertEquals("arn:aws:es:eu-west-1:" + ACCOUNT + ":domain/cis/*", statements.get("OpenSearchHttp").path("Resource").asText());
        assertEquals("cis-worker", statements.get("CloudWatchMetrics").path("Condition").path("StringEquals")
                .path("cloudwatch:namespace").asText());
        assertFalse(statements.get("WorkQueue").path("Action").toString().contains("SendMessage"),
                "SendMessage only with --allow-enqueue");

        // The bucket's owner: the role reads only that account's buckets, and the worker expects it on every call.
        assertEquals(ACCOUNT, statements.get("ReadImages").path("Condition").path("StringEquals").path("s3:ResourceAccount").asText());
        assertEquals(ACCOUNT, statements.get("ListImagesForBackfill").path("Condition").path("StringEquals")
                .path("s3:ResourceAccount").asText());
        assertEquals(List.of("SQS_QUEUE_URL=https://sqs.eu-west-1.amazonaws.com/" + ACCOUNT + "/cis-worker",
                "SQS_VISIBILITY_TIMEOUT_SECONDS=" + Settings.SQS_VISIBILITY_TIMEOUT_SECONDS.defaultValue(),
                "S3_BUCKETS=photos", "S3_EXPECTED_BUCKET_OWNER=" + ACCOUNT), workerSettings());
        assertTrue(result.output().contains("#   S3_EXPECTED_BUCKET_OWNER=" + ACCOUNT), result.output());
    }

    private List<String> workerSettings() throws IOException {
        return Files.readAllLines(tmp.resolve("out").resolve("cis-worker.env"));
    }

    @Test
    void theBucketOwnerIsTheCallersAccountOnceS3HasConfirmedIt() throws Exception {
        Result result = run("new", "--bucket", "photos", "--region", "eu-west-1");
        assertEquals(0, result.exit(), result.output());
        assertTrue(recordedCalls().contains("aws --region eu-west-1 --output json s3api head-bucket --bucket photos "
                + "--expected-bucket-owner 210987654321"), String.join("\n", recordedCalls()));
        assertTrue(workerSettings().contains("S3_EXPECTED_BUCKET_OWNER=210987654321"), workerSettings().toString());
        assertTrue(workerSettings().contains("S3_BUCKETS=photos"), workerSettings().toString());
    }

    @Test
    void aBucketOfAnotherAccountNeedsItsOwnerNamedAndIsRefusedOtherwise() throws Exception {
        Map<String, String> foreign = Map.of("FAKE_BUCKET_OWNER", "444455556666");
        Result refused = run("new", foreign, "--bucket", "photos", "--region", "eu-west-1");
        assertEquals(2, refused.exit(), refused.output());
        assertTrue(refused.output().contains("--bucket-owner"), refused.output());
        assertFalse(String.join("\n", recordedCalls()).contains("create-queue"), "nothing created before the check");

        Result named = run("new", foreign, "--bucket", "photos", "--region", "eu-west-1", "--bucket-owner", "444455556666");
        assertEquals(0, named.exit(), named.output());
        assertTrue(workerSettings().contains("S3_EXPECTED_BUCKET_OWNER=444455556666"), workerSettings().toString());
        Map<String, JsonNode> statements = statements(document("iam-policy.json"));
        assertEquals("444455556666", statements.get("ReadImages").path("Condition").path("StringEquals")
                .path("s3:ResourceAccount").asText());
        assertEquals("arn:aws:sqs:eu-west-1:210987654321:cis-worker", statements.get("WorkQueue").path("Resource").asText(),
                "the other ARNs stay in the caller's account");
    }

    @Test
    void serverlessGetsItsOwnStatementAndUnusedOnesAreLeftOut() throws Exception {
        Result result = run(null, "--dry-run", "--bucket", "photos", "--region", "us-east-1", "--account-id", ACCOUNT,
                "--opensearch-service", "aoss", "--aoss-collection-id", "k2x9", "--allow-enqueue");
        assertEquals(0, result.exit(), result.output());
        Map<String, JsonNode> statements = statements(document("iam-policy.json"));
        assertEquals(Set.of("WorkQueue", "ReadImages", "ListImagesForBackfill", "EmbeddingCache", "OpenSearchServerless"),
                statements.keySet());
        assertEquals("aoss:APIAccessAll", statements.get("OpenSearchServerless").path("Action").asText());
        assertEquals("arn:aws:aoss:us-east-1:" + ACCOUNT + ":collection/k2x9",
                statements.get("OpenSearchServerless").path("Resource").asText());
        assertTrue(statements.get("WorkQueue").path("Action").toString().contains("sqs:SendMessage"));
        assertEquals("arn:aws:s3:::photos/*", statements.get("ReadImages").path("Resource").asText());
    }

    @Test
    void onANewAccountItCreatesEverything() throws Exception {
        Result result = run("new", "--bucket", "photos", "--region", "eu-west-1", "--role", "cis-worker-instance");
        assertEquals(0, result.exit(), result.output());
        String log = String.join("\n", recordedCalls());
        assertTrue(log.contains("sts get-caller-identity"), log);
        assertTrue(log.contains("sqs create-queue --queue-name cis-worker-dlq"), log);
        assertTrue(log.contains("sqs create-queue --queue-name cis-worker --attributes"), log);
        assertTrue(log.contains("dynamodb create-table"), log);
        assertTrue(log.contains("dynamodb update-time-to-live"), log);
        assertTrue(log.contains("iam put-role-policy --role-name cis-worker-instance"), log);
        // The account STS names ends up in every ARN.
        assertTrue(statements(document("iam-policy.json")).get("WorkQueue").path("Resource").asText()
                .equals("arn:aws:sqs:eu-west-1:210987654321:cis-worker"));
    }

    @Test
    void runAgainItOnlyUpdatesAndKeepsTheBucketsOtherNotifications() throws Exception {
        existingQueuePolicy();
        Result result = run("existing", "--bucket", "photos", "--region", "eu-west-1", "--suffixes", "jpg,png",
                "--opensearch-endpoint", "https://search-cis-abc.eu-west-1.es.amazonaws.com");
        assertEquals(0, result.exit(), result.output());
        List<String> log = recordedCalls();
        String all = String.join("\n", log);
        assertFalse(all.contains("create-queue") || all.contains("create-table") || all.contains("update-time-to-live"), all);
        assertTrue(all.contains("sqs set-queue-attributes --queue-url https://sqs.eu-west-1.amazonaws.com/210987654321/cis-worker"), all);
        assertTrue(all.contains("create-index OPENSEARCH_AUTH=sigv4 OPENSEARCH_SIGV4_SERVICE=es"), all);

        JsonNode merged = document("bucket-notification.json");
        List<String> ids = new ArrayList<>();
        merged.path("QueueConfigurations").forEach(c -> ids.add(c.path("Id").asText()));
        assertEquals(List.of("thumbnailer", "cis-worker-other-jpg", "cis-worker-cis-worker-jpg", "cis-worker-cis-worker-upper-jpg",
                        "cis-worker-cis-worker-png", "cis-worker-cis-worker-upper-png"),
                ids, "ours replaced (the stale cis-worker-gif of this queue is gone); the bucket's other queues kept, "
                        + "including a second worker queue's configurations");
        assertEquals("audit", merged.path("TopicConfigurations").get(0).path("Id").asText());

        // The queue policy: the SNS topic's statement survives, the old whole-policy statement is replaced by ours.
        JsonNode policy = JSON.readTree(document("queue-attributes.json").path("Policy").asText());
        Map<String, JsonNode> bySid = statements(policy);
        assertEquals(Set.of("FromUploadsTopic", "CisWorkerS3photos"), bySid.keySet(), policy.toString());
        assertEquals("arn:aws:s3:::photos", bySid.get("CisWorkerS3photos").path("Condition").path("ArnLike")
                .path("aws:SourceArn").asText());
    }

    @Test
    void withoutBucketNotificationsTheQueuePolicyAndTheBucketAreLeftAlone() throws Exception {
        existingQueuePolicy();
        Result result = run("existing", "--bucket", "photos", "--region", "eu-west-1", "--no-bucket-notifications");
        assertEquals(0, result.exit(), result.output());
        String all = String.join("\n", recordedCalls());
        assertTrue(all.contains("sqs set-queue-attributes"), all);
        assertFalse(all.contains("put-bucket-notification-configuration"), all);
        JsonNode attributes = document("queue-attributes.json");
        assertFalse(attributes.has("Policy"), "the SNS/EventBridge route's policy must not be overwritten: " + attributes);
        assertEquals("5", JSON.readTree(attributes.path("RedrivePolicy").asText()).path("maxReceiveCount").asText());
    }

    @Test
    void theVisibilityTimeoutReachesTheWorkersConfiguration() throws Exception {
        Path config = tmp.resolve("cis-worker.env");
        Files.writeString(config, "SQS_QUEUE_URL=https://sqs.eu-west-1.amazonaws.com/210987654321/cis-worker\n"
                + "SQS_VISIBILITY_TIMEOUT_SECONDS=60\n");
        Result result = run("existing", "--bucket", "photos", "--region", "eu-west-1", "--visibility-timeout", "300",
                "--config", config.toString());
        assertEquals(0, result.exit(), result.output());
        assertEquals("300", document("queue-attributes.json").path("VisibilityTimeout").asText());
        assertTrue(Files.readAllLines(tmp.resolve("out/cis-worker.env")).containsAll(List.of(
                "SQS_QUEUE_URL=https://sqs.eu-west-1.amazonaws.com/210987654321/cis-worker",
                "SQS_VISIBILITY_TIMEOUT_SECONDS=300")), Files.readString(tmp.resolve("out/cis-worker.env")));
        assertTrue(result.output().contains("has SQS_VISIBILITY_TIMEOUT_SECONDS=60, the queue 300s: the worker uses 60"),
                result.output());
    }

    @Test
    void refusesBadInput() throws Exception {
        assertEquals(2, run(null, "--dry-run", "--region", "eu-west-1").exit(), "--bucket is required");
        assertEquals(2, run(null, "--dry-run", "--bucket", "b").exit(), "a region is required");
        assertEquals(2, run(null, "--dry-run", "--bucket", "b", "--region", "eu-west-1", "--max-receive-count", "0").exit());
        assertEquals(2, run(null, "--dry-run", "--bucket", "b", "--region", "eu-west-1", "--opensearch-service", "solr").exit());
        assertEquals(2, run(null, "--dry-run", "--bucket", "b", "--region", "eu-west-1", "--bucket-owner", "12").exit());
    }

    private static Map<String, JsonNode> statements(JsonNode policy) {
        Map<String, JsonNode> bySid = new java.util.LinkedHashMap<>();
        policy.path("Statement").forEach(s -> bySid.put(s.path("Sid").asText(), s));
        return bySid;
    }

    static Set<String> actions(JsonNode statement) {
        JsonNode action = statement.path("Action");
        if (action.isTextual()) {
            return Set.of(action.asText());
        }
        Set<String> result = new HashSet<>();
        action.forEach(a -> result.add(a.asText()));
        return result.stream().collect(Collectors.toUnmodifiableSet());
    }
}
