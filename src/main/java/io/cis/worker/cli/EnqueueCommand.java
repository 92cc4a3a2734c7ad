package io.cis.worker.cli;

import io.cis.worker.config.WorkerConfig;
import io.cis.worker.core.Reason;
import io.cis.worker.event.S3ObjectRef;
import io.cis.worker.fetch.BucketOwners;
import io.cis.worker.source.S3NotificationPublisher;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sqs.SqsClient;

@Command(name = "enqueue", mixinStandardHelpOptions = true,
        description = {"Send S3 ObjectCreated notifications (the JSON S3 sends) for existing objects to the worker queue:",
                "the listed KEYs, or every object under --prefix. Size and ETag come from S3, as in a real notification."})
public final class EnqueueCommand implements Callable<Integer> {

    /** For S3_BUCKETS and S3_EXPECTED_BUCKET_OWNER: enqueue refuses and checks buckets as the worker does. */
    @Mixin
    ConfigOptions config;

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
        WorkerConfig.ObjectConfig settings = config.load(WorkerConfig.Scope.OBJECTS_ONLY).objects();
        if (!settings.buckets().allows(bucket)) {
            // The worker would skip every one of them: refuse before touching the bucket.
            System.err.println("enqueue: bucket " + bucket + " is not in S3_BUCKETS (" + settings.buckets() + "): "
                    + Reason.BUCKET_NOT_ALLOWED.code());
            return 2;
        }
        String owner = settings.bucketOwners().ownerOf(bucket);
        try (S3Client s3 = S3Client.builder().forcePathStyle(pathStyle).build(); SqsClient sqs = SqsClient.create()) {
            List<S3ObjectRef> objects;
            try {
                objects = objects(s3, owner);
            } catch (S3Exception e) {
                if (!BucketOwners.isOwnerMismatch(e, owner)) {
                    throw e;
                }
                System.err.println("enqueue: s3://" + bucket + " answered 403 to a request with expected bucket owner "
                        + owner + ": " + Reason.BUCKET_OWNER_MISMATCH.code() + " (nothing enqueued)");
                return 1;
            }
            int sent = new S3NotificationPublisher(sqs, queueUrl).publish(objects);
            System.out.println("enqueued " + sent + " of " + objects.size() + " notifications to " + queueUrl);
            return sent == objects.size() ? 0 : 1;
        }
    }

    /**
     * The objects to announce, with size and ETag as S3 reports them: the listing under --prefix, or a HEAD per key.
     * Every call carries the bucket's expected owner (null: none configured).
     */
    List<S3ObjectRef> objects(S3Client s3, String owner) {
        List<S3ObjectRef> objects = new ArrayList<>();
        if (prefix != null) {
            s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix).expectedBucketOwner(owner)).contents()
                    .forEach(o -> objects.add(new S3ObjectRef(bucket, o.key(), null, o.size(), o.eTag())));
        } else {
            for (String key : keys) {
                HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(key).expectedBucketOwner(owner));
                objects.add(new S3ObjectRef(bucket, key, head.versionId(), head.contentLength(), head.eTag()));
            }
        }
        return objects;
    }
}
