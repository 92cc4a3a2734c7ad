package io.cis.worker.cli;

import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.source.S3NotificationPublisher;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.sqs.SqsClient;

@Command(name = "enqueue", mixinStandardHelpOptions = true,
        description = {"Send S3 ObjectCreated notifications (the JSON S3 sends) for existing objects to the worker queue:",
                "the listed KEYs, or every object under --prefix. Size and ETag come from S3, as in a real notification."})
public final class EnqueueCommand implements Callable<Integer> {

    @Option(names = "--queue-url", defaultValue = "${env:SQS_QUEUE_URL}", description = "Queue (default: $SQS_QUEUE_URL).")
    String queueUrl;

    @Option(names = "--bucket", required = true)
    String bucket;

    @Option(names = "--prefix", description = "Enqueue every object under this prefix (ListObjectsV2).")
    String prefix;

    @Option(names = "--path-style", defaultValue = "${env:S3_FORCE_PATH_STYLE:-false}",
            description = "Path-style S3 URLs, for local emulators (default: $S3_FORCE_PATH_STYLE).")
    boolean pathStyle;

    @Parameters(arity = "0..*", paramLabel = "KEY")
    List<String> keys = new ArrayList<>();

    @Override
    public Integer call() {
        if (queueUrl == null || queueUrl.isBlank()) {
            System.err.println("enqueue: no queue: pass --queue-url or set SQS_QUEUE_URL");
            return 2;
        }
        if (keys.isEmpty() == (prefix == null)) {
            System.err.println("enqueue: give either KEYs or --prefix");
            return 2;
        }
        try (S3Client s3 = S3Client.builder().forcePathStyle(pathStyle).build(); SqsClient sqs = SqsClient.create()) {
            List<S3ObjectRef> objects = new ArrayList<>();
            if (prefix != null) {
                s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().forEach(o ->
                        objects.add(new S3ObjectRef(bucket, o.key(), null, o.size(), o.eTag())));
            } else {
                for (String key : keys) {
                    HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(key));
                    objects.add(new S3ObjectRef(bucket, key, head.versionId(), head.contentLength(), head.eTag()));
                }
            }
            int sent = new S3NotificationPublisher(sqs, queueUrl).publish(objects);
            System.out.println("enqueued " + sent + " of " + objects.size() + " notifications to " + queueUrl);
            return sent == objects.size() ? 0 : 1;
        }
    }

}
