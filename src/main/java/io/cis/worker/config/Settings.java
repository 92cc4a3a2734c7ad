package io.cis.worker.config;

import io.cis.worker.embed.ModelPrecision;
import io.cis.worker.image.Downscale;
import io.cis.worker.index.DocumentIdMode;
import io.cis.worker.index.MissingDocumentPolicy;
import io.cis.worker.index.OpenSearchAuthMode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Every setting the worker reads, each declared once: name, old names, default, allowed values (the kind method:
 * {@code integer(default, min, max)}, {@code choice(default)}...) and description. Validation, the typed
 * {@link WorkerConfig}, the example config file and the README's configuration table all come from these
 * declarations (a test checks both documents against them). Descriptions say what a setting does, not its range:
 * the documents print the range from the declaration.
 */
public final class Settings {

    private static final List<SettingSpec<?>> DECLARED = new ArrayList<>();

    /** Every setting, in the order declared below: each declaration adds itself, so no list is kept by hand. */
    public static final List<SettingSpec<?>> ALL = Collections.unmodifiableList(DECLARED);

    private Settings() {
    }

    private static SettingDeclaration setting(String name, String description) {
        return new SettingDeclaration(name, description, DECLARED::add);
    }

    // --- Queue (SQS) ---
    public static final SettingSpec<String> SQS_QUEUE_URL = setting("SQS_QUEUE_URL",
            "URL of the SQS queue that receives S3 object-created notifications (required for the daemon).")
            .oldNames("QUEUE_URL").text("");
    public static final SettingSpec<Integer> SQS_POLLERS = setting("SQS_POLLERS",
            "Number of concurrent long-polling receivers.")
            .integer(1, 1, 64);
    public static final SettingSpec<Integer> SQS_WAIT_TIME_SECONDS = setting("SQS_WAIT_TIME_SECONDS",
            "Long-polling wait per ReceiveMessage call; an idle worker's stop waits for the poll under way.")
            .integer(10, 0, 20);
    public static final SettingSpec<Integer> SQS_MAX_MESSAGES = setting("SQS_MAX_MESSAGES",
            "Messages per ReceiveMessage call.")
            .integer(10, 1, 10);
    public static final SettingSpec<Integer> SQS_VISIBILITY_TIMEOUT_SECONDS = setting("SQS_VISIBILITY_TIMEOUT_SECONDS",
            "Visibility timeout requested on receive and on every heartbeat extension.")
            .integer(60, 1, 43_200);
    public static final SettingSpec<Boolean> VISIBILITY_HEARTBEAT_ENABLED = setting("VISIBILITY_HEARTBEAT_ENABLED",
            "Extend the visibility of messages still in flight so slow batches are not delivered twice.")
            .bool(true);
    public static final SettingSpec<Double> VISIBILITY_HEARTBEAT_FRACTION = setting("VISIBILITY_HEARTBEAT_FRACTION",
            "Extend a message once this fraction of its visibility timeout has passed.")
            .decimal(0.5, 0.1, 0.9);
    public static final SettingSpec<Duration> VISIBILITY_MAX_TOTAL_SECONDS = setting("VISIBILITY_MAX_TOTAL_SECONDS",
            "Stop extending a message after it has been in flight this long; it then returns to the queue.")
            .seconds(3600, 1, 43_200);
    public static final SettingSpec<Integer> MAX_IN_FLIGHT_MESSAGES = setting("MAX_IN_FLIGHT_MESSAGES",
            "Messages received but not yet settled; pollers wait when the pipeline holds this many.")
            .integer(64, 1, 10_000);
    public static final SettingSpec<Duration> EXIT_WHEN_IDLE_SECONDS = setting("EXIT_WHEN_IDLE_SECONDS",
            "Exit once nothing is in the worker and the queue has no visible, delayed or in-flight message for this long (0 = run until SIGTERM).")
            .seconds(0, 0, 86_400);
    public static final SettingSpec<Duration> SHUTDOWN_GRACE_SECONDS = setting("SHUTDOWN_GRACE_SECONDS",
            "On SIGTERM, time allowed to finish in-flight work before handing it back to the queue.")
            .seconds(30, 1, 3_600);
    public static final SettingSpec<String> SQS_DLQ_URL = setting("SQS_DLQ_URL",
            "Dead-letter queue for `dlq list|redrive`; empty = the target of the queue's RedrivePolicy.")
            .text("");

    // --- Objects (S3) ---
    public static final SettingSpec<Boolean> S3_FORCE_PATH_STYLE = setting("S3_FORCE_PATH_STYLE",
            "Use path-style S3 URLs (needed by local S3 emulators).")
            .bool(false);
    public static final SettingSpec<List<String>> S3_BUCKETS = setting("S3_BUCKETS",
            "Buckets the worker may read. A record, backfill document or enqueue for any other bucket is skipped "
                    + "(bucket_not_allowed) before anything is fetched. Empty = every bucket, as the start-up log says.")
            .list("");
    public static final SettingSpec<List<String>> S3_EXPECTED_BUCKET_OWNER = setting("S3_EXPECTED_BUCKET_OWNER",
            "AWS account id (12 digits) that must own the buckets, or bucket=account pairs for buckets in several "
                    + "accounts (a pair wins over a bare id). Sent as the expected bucket owner on every GetObject, "
                    + "HeadObject and ListObjectsV2: a bucket that changed hands answers 403, recorded as "
                    + "bucket_owner_mismatch (permanent, never retried). Empty = not checked.")
            .list("");
    public static final SettingSpec<List<String>> IMAGE_EXTENSIONS = setting("IMAGE_EXTENSIONS",
            "Key extensions treated as images (case-insensitive); other keys are skipped.")
            .list("jpg,jpeg,png,gif,bmp,tif,tiff,webp");
    public static final SettingSpec<List<String>> KEY_PREFIXES = setting("KEY_PREFIXES",
            "Key prefixes to process; empty means every key.")
            .list("");
    public static final SettingSpec<Long> MAX_OBJECT_BYTES = setting("MAX_OBJECT_BYTES",
            "Objects larger than this fail permanently without being downloaded (the old Lambda's 10 MB).")
            .wholeNumber(10_485_760, 1, 5L * 1024 * 1024 * 1024);
    public static final SettingSpec<Long> MAX_IMAGE_PIXELS = setting("MAX_IMAGE_PIXELS",
            "Images declaring more pixels than this are refused from their header (decompression bombs).")
            .wholeNumber(178_956_970, 1, 2_000_000_000L);
    public static final SettingSpec<Integer> MAX_IMAGE_SIZE = setting("MAX_IMAGE_SIZE",
            "Old Lambda setting (longest side it downscaled to). Accepted for compatibility; images are resized "
                    + "exactly as CLIPProcessor does, so it does not change vectors.")
            .integer(2048, 1, 100_000);
    public static final SettingSpec<Downscale> IMAGE_DOWNSCALE = setting("IMAGE_DOWNSCALE",
            "dct: large JPEGs are decoded by SIMD libjpeg-turbo at 1/2, 1/4 or 1/8 scale (shorter side >= 896), then "
                    + "resized over the exact region the full picture covers; plain PNGs (8/16-bit RGB or RGBA, 8-bit "
                    + "grey) are decoded by libpng, 16-bit ones row by row unfiltering only the bytes that reach RGB "
                    + "(the exact pixels either way), and any picture but a JPEG with a shorter side "
                    + ">= 1792 is first averaged in n x n blocks (shorter side >= 896), then resized over the same "
                    + "region; smaller JPEGs are decoded by libjpeg-turbo at full size (the exact pixels); plain "
                    + "TIFFs (8/16-bit RGB or RGBA in strips; none, LZW or Deflate) are decoded strip by strip (the "
                    + "exact pixels); CMYK JPEGs and other formats' pixels as exact; pictures shrunk 4x or more are resized vertical pass "
                    + "first (within one level of exact's resize) (vectors within cosine 0.9999 "
                    + "of exact, JPEGs decoding several times faster, PNG and TIFF renders about 2x). exact: every "
                    + "pixel decoded and resized as CLIPProcessor does: the bit-exact path, vectors identical to the "
                    + "Python Lambda's (PIL + CLIPProcessor). reduce: large pictures are first averaged in n x n "
                    + "blocks, keeping the shorter side >= 672 (less resize work). subsample: large JPEGs are decoded "
                    + "at 1/n scale, shorter side >= 448 (much less decode work, but texture aliases). "
                    + "See the README's benchmark section for speed and cosine to exact.")
            .choice(Downscale.DCT);

    // --- Model ---
    public static final SettingSpec<Path> MODEL_PATH = setting("MODEL_PATH",
            "TorchScript CLIP image encoder (scripts/clip_model.py exports it).")
            .path("/var/lib/cis-worker/model/model.pt");
    public static final SettingSpec<String> MODEL_NAME = setting("MODEL_NAME",
            "Name recorded with every vector and cache entry; must match the model file's model.json when present.")
            .requiredText("openai/clip-vit-base-patch32");
    public static final SettingSpec<Integer> VECTOR_DIMENSION = setting("VECTOR_DIMENSION",
            "Embedding dimension; checked against the model's output at start-up.")
            .integer(512, 1, 16_384);
    public static final SettingSpec<List<String>> MODEL_SHA256 = setting("MODEL_SHA256",
            "If set, the SHA-256 (64 hex digits) of the model file loaded must be one of these or start-up fails; "
                    + "list the bf16 export's too (scripts/install.sh prints both) or auto keeps to fp32.")
            .list("");
    public static final SettingSpec<Optional<Path>> DJL_CACHE_DIR = setting("DJL_CACHE_DIR",
            "Where libtorch is unpacked from the jar (about 450 MB); empty = DJL's default (~/.djl.ai).")
            .optionalPath();
    public static final SettingSpec<Integer> INFERENCE_THREADS = setting("INFERENCE_THREADS",
            "Inference threads, each with its own predictor.")
            .integer(1, 1, 64);
    public static final SettingSpec<Integer> TORCH_NUM_THREADS = setting("TORCH_NUM_THREADS",
            "libtorch intra-op threads per inference; auto = available cores.")
            .threads(256);
    public static final SettingSpec<Integer> TORCH_NUM_INTEROP_THREADS = setting("TORCH_NUM_INTEROP_THREADS",
            "libtorch inter-op threads.")
            .integer(1, 1, 64);
    public static final SettingSpec<Boolean> TORCH_GRAPH_OPTIMIZER = setting("TORCH_GRAPH_OPTIMIZER",
            "TorchScript graph optimizer (profiling executor).")
            .bool(true);
    public static final SettingSpec<Integer> BATCH_MAX_SIZE = setting("BATCH_MAX_SIZE",
            "Most images per inference batch (and per OpenSearch bulk request).")
            .integer(8, 1, 256);
    public static final SettingSpec<Duration> BATCH_MAX_WAIT_MS = setting("BATCH_MAX_WAIT_MS",
            "Longest wait for a batch to fill before it runs anyway.")
            .millis(50, 0, 10_000);
    public static final SettingSpec<Integer> DECODE_THREADS = setting("DECODE_THREADS",
            "Threads that download, decode and preprocess images; auto = available cores.")
            .threads(256);
    public static final SettingSpec<Integer> WORK_QUEUE_CAPACITY = setting("WORK_QUEUE_CAPACITY",
            "Preprocessed images waiting for inference; bounds memory (600 KB each).")
            .integer(32, 1, 10_000);
    public static final SettingSpec<ModelPrecision> MODEL_PRECISION = setting("MODEL_PRECISION",
            "auto: bf16 when the CPU runs it natively (amx_bf16 or avx512_bf16 in /proc/cpuinfo, "
                    + "e.g. EC2 c7i/m7i/r7i, c7a/m7a, where inference is 3-4x faster; on arm64 bf16 in its Features "
                    + "line: Graviton3 and later, c7g/m7g/c8g, speed unmeasured), otherwise fp32; logged at start-up "
                    + "with the reason. bf16 loads the "
                    + "bf16 export beside MODEL_PATH (model-bf16.pt, written by the export scripts next to model.pt) "
                    + "or MODEL_PATH itself if that is a bf16 export. Checked against the dtype in the export's json. "
                    + "auto keeps the bf16 export only if its vectors of six bundled photos are within cosine 0.9999 of "
                    + "the fp32 export's (the start-up precision self-check), otherwise it runs fp32 and says why.")
            .choice(ModelPrecision.AUTO);
    public static final SettingSpec<String> DEVICE = setting("DEVICE",
            "Where inference runs: auto is a GPU when the CUDA build of libtorch finds one, else the CPU; gpu(N) is "
                    + "GPU number N. GPUs need the jar built with -Pgpu.")
            .lowerCaseMatching("auto", "auto|cpu|gpu|gpu\\([0-9]+\\)", "auto, cpu, gpu or gpu(N)");

    // --- OpenSearch ---
    public static final SettingSpec<URI> OPENSEARCH_ENDPOINT = setting("OPENSEARCH_ENDPOINT",
            "OpenSearch URL, e.g. https://search-domain.eu-west-1.es.amazonaws.com (required).")
            .url();
    public static final SettingSpec<String> OPENSEARCH_INDEX = setting("OPENSEARCH_INDEX",
            "Index holding the file documents.")
            .requiredText("cis-files");
    public static final SettingSpec<OpenSearchAuthMode> OPENSEARCH_AUTH = setting("OPENSEARCH_AUTH",
            "basic: OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD; sigv4: Amazon OpenSearch Service / Serverless, "
                    + "credentials from the SDK's default chain.")
            .choice(OpenSearchAuthMode.NONE);
    public static final SettingSpec<String> OPENSEARCH_USERNAME = setting("OPENSEARCH_USERNAME",
            "User for basic auth.")
            .text("");
    public static final SettingSpec<String> OPENSEARCH_PASSWORD = setting("OPENSEARCH_PASSWORD",
            "Password for basic auth (never logged).")
            .secret();
    public static final SettingSpec<String> OPENSEARCH_SIGV4_SERVICE = setting("OPENSEARCH_SIGV4_SERVICE",
            "SigV4 service name: es (managed domains) or aoss (Serverless).")
            .oneOf("es", "es", "aoss");
    public static final SettingSpec<Boolean> OPENSEARCH_TLS_VERIFY = setting("OPENSEARCH_TLS_VERIFY",
            "Verify the server's TLS certificate.")
            .bool(true);
    public static final SettingSpec<String> OPENSEARCH_KNN_ENGINE = setting("OPENSEARCH_KNN_ENGINE",
            "k-NN engine used when the worker creates the index (lucene, faiss).")
            .requiredText("lucene");
    public static final SettingSpec<String> OPENSEARCH_KNN_SPACE_TYPE = setting("OPENSEARCH_KNN_SPACE_TYPE",
            "k-NN space type used when the worker creates the index.")
            .requiredText("cosinesimil");
    public static final SettingSpec<DocumentIdMode> DOCUMENT_ID_MODE = setting("DOCUMENT_ID_MODE",
            "How a notification maps to a document id: key (the S3 key), url_hash (SHA-256 of s3://bucket/key), "
                    + "lookup (term query on DOCUMENT_LOOKUP_FIELD).")
            .choice(DocumentIdMode.KEY);
    public static final SettingSpec<String> DOCUMENT_LOOKUP_FIELD = setting("DOCUMENT_LOOKUP_FIELD",
            "Field matched against the S3 key in lookup mode.")
            .requiredText("s3_key");
    public static final SettingSpec<MissingDocumentPolicy> MISSING_DOCUMENT = setting("MISSING_DOCUMENT",
            "When the document does not exist: upsert (create it with s3_bucket, s3_key, s3_url), fail (permanent), "
                    + "or retry (transient: wait for the indexer that creates documents; dead-lettered if it never does). "
                    + "upsert is safe only if that indexer updates documents rather than overwriting them.")
            .choice(MissingDocumentPolicy.UPSERT);

    // --- Embedding cache (DynamoDB) ---
    public static final SettingSpec<Boolean> EMBEDDING_CACHE_ENABLED = setting("EMBEDDING_CACHE_ENABLED",
            "Look embeddings up by image MD5 before decoding, and store new ones.")
            .bool(true);
    public static final SettingSpec<String> EMBEDDING_CACHE_TABLE = setting("EMBEDDING_CACHE_TABLE",
            "DynamoDB table shared with the old Lambda (partition key image_hash).")
            .requiredText("cis-image-embedding-cache");
    public static final SettingSpec<Integer> EMBEDDING_CACHE_TTL_DAYS = setting("EMBEDDING_CACHE_TTL_DAYS",
            "Days before a cache entry expires (DynamoDB TTL on ttl).")
            .integer(30, 1, 3_650);
    public static final SettingSpec<Boolean> EMBEDDING_CACHE_OVERWRITE_OTHER_MODEL = setting("EMBEDDING_CACHE_OVERWRITE_OTHER_MODEL",
            "Replace cache entries written for another model name or dimension.")
            .bool(false);
    public static final SettingSpec<Integer> LOCAL_CACHE_ENTRIES = setting("LOCAL_CACHE_ENTRIES",
            "Entries kept by the in-process cache (Caffeine, size-bounded) in front of DynamoDB; 0 disables it.")
            .integer(10_000, 0, 10_000_000);

    // --- Retries ---
    public static final SettingSpec<Integer> RETRY_MAX_ATTEMPTS = setting("RETRY_MAX_ATTEMPTS",
            "Attempts for S3, OpenSearch and DynamoDB calls before an item is a transient failure.")
            .integer(5, 1, 100);
    public static final SettingSpec<Duration> RETRY_INITIAL_BACKOFF_MS = setting("RETRY_INITIAL_BACKOFF_MS",
            "First retry delay; doubles each attempt, with jitter.")
            .millis(200, 1, 60_000);
    public static final SettingSpec<Duration> RETRY_MAX_BACKOFF_MS = setting("RETRY_MAX_BACKOFF_MS",
            "Longest retry delay; not less than RETRY_INITIAL_BACKOFF_MS.")
            .millis(10_000, 1, 600_000);
    public static final SettingSpec<Duration> STARTUP_MAX_WAIT_SECONDS = setting("STARTUP_MAX_WAIT_SECONDS",
            "How long the daemon's start-up waits for OpenSearch and SQS to answer (unreachable, timeouts, 5xx, "
                    + "throttling), retrying with backoff, before it exits with status 3 (0 = as long as it takes).")
            .seconds(0, 0, 604_800);
    public static final SettingSpec<Duration> STARTUP_ACCESS_DENIED_WAIT_SECONDS = setting("STARTUP_ACCESS_DENIED_WAIT_SECONDS",
            "How long start-up retries a service that denies access (a new instance role can take minutes to "
                    + "propagate) before it exits with status 2, naming the missing permission.")
            .seconds(300, 0, 86_400);

    // --- Operations ---
    public static final SettingSpec<String> METRICS_HOST = setting("METRICS_HOST",
            "Address of the /metrics and /health endpoints.")
            .requiredText("127.0.0.1");
    public static final SettingSpec<Integer> METRICS_PORT = setting("METRICS_PORT",
            "Port of the /metrics and /health endpoints (0 disables them).")
            .integer(9464, 0, 65_535);
    public static final SettingSpec<Boolean> CLOUDWATCH_ENABLED = setting("CLOUDWATCH_ENABLED",
            "Also publish the metrics to CloudWatch once a minute (needs cloudwatch:PutMetricData; region and "
                    + "credentials from the SDK's default chains).")
            .bool(false);
    public static final SettingSpec<String> CLOUDWATCH_NAMESPACE = setting("CLOUDWATCH_NAMESPACE",
            "CloudWatch namespace of the published metrics.")
            .requiredText("cis-worker");
    public static final SettingSpec<String> LOG_FORMAT = setting("LOG_FORMAT",
            "Log lines on stderr: json (one JSON object per line, for journald and log shippers) or text (for a "
                    + "terminal). Read by the logging set-up from the environment; any other value would log nothing.")
            .oneOf("json", "json", "text");

    // --- Backfill ---
    public static final SettingSpec<Double> BACKFILL_RATE_LIMIT = setting("BACKFILL_RATE_LIMIT",
            "Most images per second a backfill selects, direct or --enqueue (0 = unlimited).")
            .decimal(0, 0, 1_000_000);
    public static final SettingSpec<Duration> BACKFILL_PROGRESS_SECONDS = setting("BACKFILL_PROGRESS_SECONDS",
            "Seconds between backfill progress log lines when stderr is not a terminal (a terminal gets a progress bar).")
            .seconds(10, 1, 86_400);
    public static final SettingSpec<String> BACKFILL_KEY_FIELD = setting("BACKFILL_KEY_FIELD",
            "Document field holding the image's S3 key (OpenSearch backfill source).")
            .requiredText("s3_key");
    public static final SettingSpec<String> BACKFILL_BUCKET_FIELD = setting("BACKFILL_BUCKET_FIELD",
            "Document field holding the image's S3 bucket; documents without it use the backfill's --bucket.")
            .requiredText("s3_bucket");
    public static final SettingSpec<Optional<String>> BACKFILL_IMAGE_QUERY = setting("BACKFILL_IMAGE_QUERY",
            "OpenSearch query (JSON object) that selects image documents; empty = BACKFILL_KEY_FIELD ends with one of "
                    + "IMAGE_EXTENSIONS (case-insensitive wildcards).")
            .optionalText();
    public static final SettingSpec<String> BACKFILL_SORT_FIELD = setting("BACKFILL_SORT_FIELD",
            "Field, unique per document, that the OpenSearch backfill pages by (search_after); _id needs "
                    + "indices.id_field_data.enabled (true by default).")
            .requiredText("_id");
    public static final SettingSpec<Integer> BACKFILL_PAGE_SIZE = setting("BACKFILL_PAGE_SIZE",
            "Documents per point-in-time search page.")
            .integer(500, 1, 10_000);
    public static final SettingSpec<Integer> BACKFILL_METRICS_PORT = setting("BACKFILL_METRICS_PORT",
            "Port of /metrics and /health during a backfill (0 = none, so a backfill never takes the daemon's port).")
            .integer(0, 0, 65_535);

    // --- Launch (read by the systemd unit and the container entrypoint, not by the worker) ---
    public static final SettingSpec<String> JAVA_OPTS = setting("JAVA_OPTS",
            "JVM flags. The heap gets this share of the machine's (or container's) memory; the rest is for libtorch, "
                    + "whose model weights and activations live outside the heap (roughly 0.5-1 GB with ViT-B/32).")
            .text("-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError");
}
