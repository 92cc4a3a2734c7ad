package io.cis.worker.testing;

import java.net.URI;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Clients for the local services started by scripts/local-stack.sh. The SDK reads the endpoints from the standard
 * AWS_ENDPOINT_URL_* variables that `local-stack.sh env` exports; integration tests fail fast if they are missing.
 */
public final class LocalStack {

    private LocalStack() {
    }

    public static String require(String variable) {
        String value = System.getenv(variable);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(variable + " is not set: run integration tests through scripts/test.sh, "
                    + "or eval \"$(scripts/local-stack.sh env)\" after scripts/local-stack.sh up");
        }
        return value;
    }

    public static SqsClient sqs() {
        require("AWS_ENDPOINT_URL_SQS");
        return SqsClient.create();
    }

    public static S3Client s3() {
        require("AWS_ENDPOINT_URL_S3");
        return S3Client.builder().forcePathStyle(true).build();
    }

    public static DynamoDbClient dynamoDb() {
        require("AWS_ENDPOINT_URL_DYNAMODB");
        return DynamoDbClient.create();
    }

    public static org.opensearch.client.opensearch.OpenSearchClient openSearchClient() {
        return new io.cis.worker.index.OpenSearchClientFactory(openSearch(), io.cis.worker.index.OpenSearchAuth.none()).create();
    }

    public static URI openSearch() {
        return URI.create(require("OPENSEARCH_ENDPOINT"));
    }

    /** Deletes a test's objects, 1,000 per request (S3's limit). */
    public static void deleteObjects(S3Client s3, String bucket, List<String> keys) {
        for (int from = 0; from < keys.size(); from += 1000) {
            List<ObjectIdentifier> chunk = keys.subList(from, Math.min(keys.size(), from + 1000)).stream()
                    .map(k -> ObjectIdentifier.builder().key(k).build()).toList();
            s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(chunk).quiet(true)));
        }
    }
}
