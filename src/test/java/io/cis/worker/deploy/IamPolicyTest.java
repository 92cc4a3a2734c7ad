package io.cis.worker.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * config/iam-policy.json against the AWS calls the code makes: every SQS, S3 and DynamoDB operation called anywhere
 * in src/main is either allowed by the worker's policy or an operator-only tool's, and the policy allows nothing
 * that no code path needs.
 */
class IamPolicyTest {

    /** SDK operation -> the IAM action that authorises it (batch operations use the single action's name). */
    private static final Map<String, String> ACTION_OF = Map.ofEntries(
            Map.entry("receiveMessage", "sqs:ReceiveMessage"),
            Map.entry("deleteMessage", "sqs:DeleteMessage"),
            Map.entry("deleteMessageBatch", "sqs:DeleteMessage"),
            Map.entry("changeMessageVisibility", "sqs:ChangeMessageVisibility"),
            Map.entry("changeMessageVisibilityBatch", "sqs:ChangeMessageVisibility"),
            Map.entry("getQueueAttributes", "sqs:GetQueueAttributes"),
            Map.entry("sendMessage", "sqs:SendMessage"),
            Map.entry("sendMessageBatch", "sqs:SendMessage"),
            Map.entry("getQueueUrl", "sqs:GetQueueUrl"),
            Map.entry("getObject", "s3:GetObject"),
            Map.entry("getObjectAsBytes", "s3:GetObject"),
            Map.entry("headBucket", "s3:ListBucket"),
            Map.entry("createBucket", "s3:CreateBucket"),
            Map.entry("createQueue", "sqs:CreateQueue"),
            Map.entry("deleteQueue", "sqs:DeleteQueue"),
            Map.entry("createTable", "dynamodb:CreateTable"),
            Map.entry("deleteTable", "dynamodb:DeleteTable"),
            Map.entry("headObject", "s3:GetObject"),
            Map.entry("listObjectsV2", "s3:ListBucket"),
            Map.entry("listObjectsV2Paginator", "s3:ListBucket"),
            Map.entry("batchGetItem", "dynamodb:BatchGetItem"),
            Map.entry("batchWriteItem", "dynamodb:BatchWriteItem"),
            Map.entry("describeTable", "dynamodb:DescribeTable"));

    /**
     * Actions the worker's role does not get: they belong to operator commands run with the operator's own
     * credentials (enqueue, dead-letter re-drive, the benchmark's scratch queue/bucket/table), or are added by
     * aws-setup.sh --allow-enqueue.
     */
    private static final Set<String> OPERATOR_ONLY = Set.of("sqs:SendMessage", "sqs:GetQueueUrl", "s3:CreateBucket",
            "sqs:CreateQueue", "sqs:DeleteQueue", "dynamodb:CreateTable", "dynamodb:DeleteTable");

    /** Actions in the policy that no SDK call in src/main shows, each with the reason it is there. */
    private static final Map<String, String> NOT_FROM_SDK_CALLS = Map.of(
            "s3:GetObjectVersion", "GetObject with the notification's versionId (S3ObjectFetcher) on versioned buckets",
            "s3:ListBucket", "backfill --source s3 lists the bucket (and enqueue --prefix)",
            "cloudwatch:PutMetricData", "micrometer-registry-cloudwatch2 when CLOUDWATCH_ENABLED=true",
            "es:ESHttpGet", "OpenSearch over SigV4: get mapping",
            "es:ESHttpHead", "OpenSearch over SigV4: index exists, ping",
            "es:ESHttpPost", "OpenSearch over SigV4: _bulk, _search, point-in-time create",
            "es:ESHttpPut", "OpenSearch over SigV4: create index, put mapping",
            "es:ESHttpDelete", "OpenSearch over SigV4: point-in-time delete after a backfill");

    @Test
    void thePolicyAllowsWhatTheCodeCallsAndNothingElse() throws IOException {
        Set<String> operations = sdkOperationsCalled();
        Map<String, String> unknown = new TreeMap<>();
        Set<String> needed = new TreeSet<>();
        for (String operation : operations) {
            String action = ACTION_OF.get(operation);
            if (action == null) {
                unknown.put(operation, "?");
            } else if (!OPERATOR_ONLY.contains(action)) {
                needed.add(action);
            }
        }
        assertEquals(Map.of(), unknown, "SDK operations without an IAM action here: add them to ACTION_OF and, if the "
                + "worker calls them, to config/iam-policy.json (and the README's IAM section)");

        Set<String> allowed = policyActions();
        Set<String> missing = new TreeSet<>(needed);
        missing.removeAll(allowed);
        assertEquals(Set.of(), missing, "the worker calls these but config/iam-policy.json does not allow them");

        Set<String> unjustified = new TreeSet<>(allowed);
        unjustified.removeAll(needed);
        unjustified.removeAll(NOT_FROM_SDK_CALLS.keySet());
        assertEquals(Set.of(), unjustified, "allowed but not needed by any code path (least privilege)");
        assertTrue(needed.containsAll(Set.of("sqs:ReceiveMessage", "sqs:DeleteMessage", "s3:GetObject",
                "dynamodb:BatchGetItem")), "the scan found the worker's core calls: " + needed);
    }

    /**
     * Calls in src/main whose method name is an operation of the SQS, S3 or DynamoDB client, counted only in files
     * that import that client's package (OpenSearch's query DSL has a `.query(` too).
     */
    static Set<String> sdkOperationsCalled() throws IOException {
        Map<String, Set<String>> operationsByPackage = Map.of(
                "software.amazon.awssdk.services.sqs", operationNames(SqsClient.class),
                "software.amazon.awssdk.services.s3", operationNames(S3Client.class),
                "software.amazon.awssdk.services.dynamodb", operationNames(DynamoDbClient.class));
        // `.name(` not followed by a string literal: Jackson's ObjectNode.putObject("key") shares a name with S3's.
        Pattern call = Pattern.compile("\\.(\\w+)\\((?!\\s*\")");
        Set<String> called = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                Set<String> operations = new HashSet<>();
                operationsByPackage.forEach((pkg, names) -> {
                    if (source.contains("import " + pkg + ".")) {
                        operations.addAll(names);
                    }
                });
                Matcher m = call.matcher(source);
                while (m.find()) {
                    if (operations.contains(m.group(1))) {
                        called.add(m.group(1));
                    }
                }
            }
        }
        return called;
    }

    private static Set<String> operationNames(Class<?> client) {
        Set<String> names = new HashSet<>();
        for (Method method : client.getDeclaredMethods()) {
            if (!Modifier.isStatic(method.getModifiers()) && method.getParameterCount() == 1
                    && !Set.of("waiter", "utilities", "batchManager").contains(method.getName())) {
                names.add(method.getName());
            }
        }
        return names;
    }

    static Set<String> policyActions() throws IOException {
        JsonNode policy = new ObjectMapper().readTree(Path.of("config/iam-policy.json").toFile());
        Set<String> actions = new TreeSet<>();
        policy.path("Statement").forEach(s -> actions.addAll(AwsSetupScriptTest.actions(s)));
        return actions;
    }
}
