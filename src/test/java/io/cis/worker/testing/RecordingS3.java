package io.cis.worker.testing;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real {@link S3Client} (request building, signing, response and error parsing all the SDK's own) whose HTTP
 * layer is a stand-in: it records every request as it would go on the wire and answers from a function. Shows what
 * the worker sends (headers, query) and how it reads S3's answers, without a server.
 */
public final class RecordingS3 implements SdkHttpClient {

    /** The HTTP header the SDK writes for {@code expectedBucketOwner}. */
    public static final String EXPECTED_OWNER_HEADER = "x-amz-expected-bucket-owner";

    /** An HTTP answer. */
    public record Answer(int status, Map<String, String> headers, String body) {

        /** What S3 sends for a denied request, an owner mismatch included ("Access Denied", nothing more). */
        public static Answer accessDenied() {
            return new Answer(403, Map.of("Content-Type", "application/xml"),
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code>"
                            + "<Message>Access Denied</Message><RequestId>R</RequestId><HostId>H</HostId></Error>");
        }

        public static Answer ok(Map<String, String> headers, String body) {
            return new Answer(200, headers, body);
        }
    }

    private final Function<SdkHttpRequest, Answer> answers;
    private final List<SdkHttpRequest> requests = new CopyOnWriteArrayList<>();

    public RecordingS3(Function<SdkHttpRequest, Answer> answers) {
        this.answers = answers;
    }

    /** A client in path style on a made-up endpoint, with static credentials and no SDK retries. */
    public S3Client client() {
        return S3Client.builder()
                .httpClient(this)
                .region(Region.EU_WEST_1)
                .endpointOverride(URI.create("http://s3.recording.test"))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    /** Every request sent, in order. */
    public List<SdkHttpRequest> requests() {
        return List.copyOf(requests);
    }

    /** Each request's expected-owner header, or "(none)". */
    public List<String> expectedOwners() {
        return requests.stream().map(r -> r.firstMatchingHeader(EXPECTED_OWNER_HEADER).orElse("(none)")).toList();
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() {
                requests.add(request.httpRequest());
                Answer answer = answers.apply(request.httpRequest());
                SdkHttpResponse.Builder response = SdkHttpResponse.builder().statusCode(answer.status());
                answer.headers().forEach(response::putHeader);
                byte[] body = "HEAD".equals(request.httpRequest().method().name()) ? new byte[0]
                        : answer.body().getBytes(StandardCharsets.UTF_8);
                if (!answer.headers().containsKey("Content-Length")) {
                    response.putHeader("Content-Length", Integer.toString(body.length));
                }
                return HttpExecuteResponse.builder().response(response.build())
                        .responseBody(AbortableInputStream.create(new ByteArrayInputStream(body))).build();
            }

            @Override
            public void abort() {
            }
        };
    }

    @Override
    public void close() {
    }
}
