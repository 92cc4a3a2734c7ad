package io.cis.worker.cache;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** Clients and throw-away tables on the DynamoDB Local that scripts/local-stack.sh starts. */
final class LocalDynamoDb {

    static final String ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_DYNAMODB";

    /** Records the size of every batch call the client sends, in order. */
    static final class BatchCallRecorder implements ExecutionInterceptor {
        final List<Integer> getKeys = Collections.synchronizedList(new ArrayList<>());
        final List<Integer> writeItems = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof BatchGetItemRequest get) {
                getKeys.add(get.requestItems().values().stream().mapToInt(k -> k.keys().size()).sum());
            } else if (context.request() instanceof BatchWriteItemRequest write) {
                writeItems.add(write.requestItems().values().stream().mapToInt(List::size).sum());
            }
        }

        void clear() {
            getKeys.clear();
            writeItems.clear();
        }
    }

    private LocalDynamoDb() {
    }

    static URI endpoint() {
        String endpoint = System.getenv(ENDPOINT_VARIABLE);
        if (endpoint == null || endpoint.isBlank()) {
            throw new IllegalStateException(ENDPOINT_VARIABLE + " is not set: start DynamoDB Local with "
                    + "scripts/local-stack.sh up and export the endpoint it prints, e.g. "
                    + ENDPOINT_VARIABLE + "=http://127.0.0.1:8000");
        }
        return URI.create(endpoint);
    }

    static DynamoDbClient client(URI endpoint, BatchCallRecorder recorder) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClientBuilder(ApacheHttpClient.builder().connectionTimeout(Duration.ofSeconds(2)))
                .overrideConfiguration(c -> c.addExecutionInterceptor(recorder)
                        .apiCallTimeout(Duration.ofSeconds(30)))
                .build();
    }

    /** Creates a uniquely named table with the cache's key schema and returns its name. */
    static String createCacheTable(DynamoDbClient client) {
        String table = "cis-cache-it-" + UUID.randomUUID();
        client.createTable(b -> b.tableName(table)
                .keySchema(KeySchemaElement.builder().attributeName("image_hash").keyType(KeyType.HASH).build())
                .attributeDefinitions(AttributeDefinition.builder().attributeName("image_hash")
                        .attributeType(ScalarAttributeType.S).build())
                .billingMode(BillingMode.PAY_PER_REQUEST));
        client.waiter().waitUntilTableExists(b -> b.tableName(table));
        return table;
    }
}
