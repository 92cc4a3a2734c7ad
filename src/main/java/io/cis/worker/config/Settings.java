package io.cis.worker.config;

import java.util.List;

/**
 * Every setting the worker reads, in one place: the single source for validation, the example config file and the
 * README's configuration table (a test checks both against this list).
 */
public final class Settings {

    private Settings() {
    }

    // --- Queue (SQS) ---
    public static final SettingSpec SQS_QUEUE_URL = SettingSpec.of("SQS_QUEUE_URL", "",
            "URL of the SQS queue that receives S3 object-created notifications (required for the daemon).")
            .alias("QUEUE_URL");
    public static final SettingSpec SQS_POLLERS = SettingSpec.of("SQS_POLLERS", "1",
            "Number of concurrent long-polling receivers.");
    public static final SettingSpec SQS_WAIT_TIME_SECONDS = SettingSpec.of("SQS_WAIT_TIME_SECONDS", "10",
            "Long-polling wait per ReceiveMessage call (0-20); an idle worker's stop waits for the poll under way.");
    public static final SettingSpec SQS_MAX_MESSAGES = SettingSpec.of("SQS_MAX_MESSAGES", "10",
            "Messages per ReceiveMessage call (1-10).");
    public static final SettingSpec SQS_VISIBILITY_TIMEOUT_SECONDS = SettingSpec.of("SQS_VISIBILITY_TIMEOUT_SECONDS", "60",
            "Visibility timeout requested on receive and on every heartbeat extension.");
    public static final SettingSpec VISIBILITY_HEARTBEAT_ENABLED = SettingSpec.of("VISIBILITY_HEARTBEAT_ENABLED", "true",
            "Extend the visibility of messages still in flight so slow batches are not delivered twice.");
    public static final SettingSpec VISIBILITY_HEARTBEAT_FRACTION = SettingSpec.of("VISIBILITY_HEARTBEAT_FRACTION", "0.5",
            "Extend a message once this fraction of its visibility timeout has passed (0.1-0.9).");
    public static final SettingSpec VISIBILITY_MAX_TOTAL_SECONDS = SettingSpec.of("VISIBILITY_MAX_TOTAL_SECONDS", "3600",
            "Stop extending a message after it has been in flight this long; it then returns to the queue.");
    public static final SettingSpec MAX_IN_FLIGHT_MESSAGES = SettingSpec.of("MAX_IN_FLIGHT_MESSAGES", "64",
            "Messages received but not yet settled; pollers wait when the pipeline holds this many.");
    public static final SettingSpec EXIT_WHEN_IDLE_SECONDS = SettingSpec.of("EXIT_WHEN_IDLE_SECONDS", "0",
            "Exit once nothing is in the worker and the queue has no visible, delayed or in-flight message for this long (0 = run until SIGTERM).");
    public static final SettingSpec SHUTDOWN_GRACE_SECONDS = SettingSpec.of("SHUTDOWN_GRACE_SECONDS", "30",
            "On SIGTERM, time allowed to finish in-flight work before handing it back to the queue.");
    public static final SettingSpec SQS_DLQ_URL = SettingSpec.of("SQS_DLQ_URL", "",
            "Dead-letter queue for `dlq list|redrive`; empty = the target of the queue's RedrivePolicy.");

    // --- Objects (S3) ---
    public static final SettingSpec S3_FORCE_PATH_STYLE = SettingSpec.of("S3_FORCE_PATH_STYLE", "false",
            "Use path-style S3 URLs (needed by local S3 emulators).");
    public static final SettingSpec IMAGE_EXTENSIONS = SettingSpec.of("IMAGE_EXTENSIONS", "jpg,jpeg,png,gif,bmp,tif,tiff,webp",
            "Key extensions treated as images (case-insensitive); other keys are skipped.");
    public static final SettingSpec KEY_PREFIXES = SettingSpec.of("KEY_PREFIXES", "",
            "Comma-separated key prefixes to process; empty means every key.");
    public static final SettingSpec MAX_OBJECT_BYTES = SettingSpec.of("MAX_OBJECT_BYTES", "10485760",
            "Objects larger than this fail permanently without being downloaded (the old Lambda's 10 MB).");
    public static final SettingSpec MAX_IMAGE_PIXELS = SettingSpec.of("MAX_IMAGE_PIXELS", "178956970",
            "Images declaring more pixels than this are refused from their header (decompression bombs).");
    public static final SettingSpec MAX_IMAGE_SIZE = SettingSpec.of("MAX_IMAGE_SIZE", "2048",
            "Old Lambda setting (longest side it downscaled to). Accepted for compatibility; images are resized "
                    + "exactly as CLIPProcessor does, so it does not change vectors.");
    public static final SettingSpec IMAGE_DOWNSCALE = SettingSpec.of("IMAGE_DOWNSCALE", "dct",
            "dct: large JPEGs are decoded by SIMD libjpeg-turbo at 1/2, 1/4 or 1/8 scale (shorter side >= 672), then "
                    + "resized over the exact region the full picture covers; other formats, CMYK and small JPEGs as "
                    + "exact (vectors within cosine 0.9999 of exact, decoding several times faster). exact: every "
                    + "pixel decoded and resized as CLIPProcessor does: the bit-exact path, vectors identical to the "
                    + "Python Lambda's (PIL + CLIPProcessor). reduce: large pictures are first averaged in n x n "
                    + "blocks, keeping the shorter side >= 672 (less resize work). subsample: large JPEGs are decoded "
                    + "at 1/n scale, shorter side >= 448 (much less decode work, but texture aliases). "
                    + "See the README's benchmark section for speed and cosine to exact.");

    // --- Model ---
    public static final SettingSpec MODEL_PATH = SettingSpec.of("MODEL_PATH", "/var/lib/cis-worker/model/model.pt",
            "TorchScript CLIP image encoder (scripts/clip_model.py exports it).");
    public static final SettingSpec MODEL_NAME = SettingSpec.of("MODEL_NAME", "openai/clip-vit-base-patch32",
            "Name recorded with every vector and cache entry; must match the model file's model.json when present.");
    public static final SettingSpec VECTOR_DIMENSION = SettingSpec.of("VECTOR_DIMENSION", "512",
            "Embedding dimension; checked against the model's output at start-up.");
    public static final SettingSpec MODEL_SHA256 = SettingSpec.of("MODEL_SHA256", "",
            "If set, the SHA-256 of the model file loaded must be one of these (comma-separated) or start-up fails; "
                    + "list the bf16 export's too (scripts/install.sh prints both) or auto keeps to fp32.");
    public static final SettingSpec DJL_CACHE_DIR = SettingSpec.of("DJL_CACHE_DIR", "",
            "Where libtorch is unpacked from the jar (about 450 MB); empty = DJL's default (~/.djl.ai).");
    public static final SettingSpec INFERENCE_THREADS = SettingSpec.of("INFERENCE_THREADS", "1",
            "Inference threads, each with its own predictor.");
    public static final SettingSpec TORCH_NUM_THREADS = SettingSpec.of("TORCH_NUM_THREADS", "auto",
            "libtorch intra-op threads per inference; auto = available cores.");
    public static final SettingSpec TORCH_NUM_INTEROP_THREADS = SettingSpec.of("TORCH_NUM_INTEROP_THREADS", "1",
            "libtorch inter-op threads.");
    public static final SettingSpec TORCH_GRAPH_OPTIMIZER = SettingSpec.of("TORCH_GRAPH_OPTIMIZER", "true",
            "TorchScript graph optimizer (profiling executor).");
    public static final SettingSpec BATCH_MAX_SIZE = SettingSpec.of("BATCH_MAX_SIZE", "8",
            "Most images per inference batch (and per OpenSearch bulk request).");
    public static final SettingSpec BATCH_MAX_WAIT_MS = SettingSpec.of("BATCH_MAX_WAIT_MS", "50",
            "Longest wait for a batch to fill before it runs anyway.");
    public static final SettingSpec DECODE_THREADS = SettingSpec.of("DECODE_THREADS", "auto",
            "Threads that download, decode and preprocess images; auto = available cores.");
    public static final SettingSpec WORK_QUEUE_CAPACITY = SettingSpec.of("WORK_QUEUE_CAPACITY", "32",
            "Preprocessed images waiting for inference; bounds memory (600 KB each).");
    public static final SettingSpec MODEL_PRECISION = SettingSpec.of("MODEL_PRECISION", "auto",
            "auto, fp32 or bf16. auto: bf16 when the CPU runs it natively (amx_bf16 or avx512_bf16 in /proc/cpuinfo, "
                    + "e.g. EC2 c7i/m7i/r7i, c7a/m7a), where inference is 3-4x faster, otherwise fp32; logged at start-up "
                    + "with the reason. bf16 loads the "
                    + "bf16 export beside MODEL_PATH (model-bf16.pt, written by the export scripts next to model.pt) "
                    + "or MODEL_PATH itself if that is a bf16 export. Checked against the dtype in the export's json.");
    public static final SettingSpec DEVICE = SettingSpec.of("DEVICE", "auto",
            "Where inference runs: auto (a GPU when the CUDA build of libtorch finds one, else the CPU), cpu, gpu, "
                    + "or gpu(N). GPUs need the jar built with -Pgpu.");

    // --- OpenSearch ---
    public static final SettingSpec OPENSEARCH_ENDPOINT = SettingSpec.of("OPENSEARCH_ENDPOINT", "",
            "OpenSearch URL, e.g. https://search-domain.eu-west-1.es.amazonaws.com (required).");
    public static final SettingSpec OPENSEARCH_INDEX = SettingSpec.of("OPENSEARCH_INDEX", "cis-files",
            "Index holding the file documents.");
    public static final SettingSpec OPENSEARCH_AUTH = SettingSpec.of("OPENSEARCH_AUTH", "none",
            "none, basic, or sigv4 (Amazon OpenSearch Service / Serverless, credentials from the SDK's default chain).");
    public static final SettingSpec OPENSEARCH_USERNAME = SettingSpec.of("OPENSEARCH_USERNAME", "",
            "User for basic auth.");
    public static final SettingSpec OPENSEARCH_PASSWORD = SettingSpec.secret("OPENSEARCH_PASSWORD",
            "Password for basic auth (never logged).");
    public static final SettingSpec OPENSEARCH_SIGV4_SERVICE = SettingSpec.of("OPENSEARCH_SIGV4_SERVICE", "es",
            "SigV4 service name: es (managed domains) or aoss (Serverless).");
    public static final SettingSpec OPENSEARCH_TLS_VERIFY = SettingSpec.of("OPENSEARCH_TLS_VERIFY", "true",
            "Verify the server's TLS certificate.");
    public static final SettingSpec OPENSEARCH_KNN_ENGINE = SettingSpec.of("OPENSEARCH_KNN_ENGINE", "lucene",
            "k-NN engine used when the worker creates the index (lucene, faiss).");
    public static final SettingSpec OPENSEARCH_KNN_SPACE_TYPE = SettingSpec.of("OPENSEARCH_KNN_SPACE_TYPE", "cosinesimil",
            "k-NN space type used when the worker creates the index.");
    public static final SettingSpec DOCUMENT_ID_MODE = SettingSpec.of("DOCUMENT_ID_MODE", "key",
            "How a notification maps to a document id: key (the S3 key), url_hash (SHA-256 of s3://bucket/key), "
                    + "lookup (term query on DOCUMENT_LOOKUP_FIELD).");
    public static final SettingSpec DOCUMENT_LOOKUP_FIELD = SettingSpec.of("DOCUMENT_LOOKUP_FIELD", "s3_key",
            "Field matched against the S3 key in lookup mode.");
    public static final SettingSpec MISSING_DOCUMENT = SettingSpec.of("MISSING_DOCUMENT", "upsert",
            "When the document does not exist: upsert (create it with s3_bucket, s3_key, s3_url), fail (permanent), "
                    + "or retry (transient: wait for the indexer that creates documents; dead-lettered if it never does). "
                    + "upsert is safe only if that indexer updates documents rather than overwriting them.");

    // --- Embedding cache (DynamoDB) ---
    public static final SettingSpec EMBEDDING_CACHE_ENABLED = SettingSpec.of("EMBEDDING_CACHE_ENABLED", "true",
            "Look embeddings up by image MD5 before decoding, and store new ones.");
    public static final SettingSpec EMBEDDING_CACHE_TABLE = SettingSpec.of("EMBEDDING_CACHE_TABLE", "cis-image-embedding-cache",
            "DynamoDB table shared with the old Lambda (partition key image_hash).");
    public static final SettingSpec EMBEDDING_CACHE_TTL_DAYS = SettingSpec.of("EMBEDDING_CACHE_TTL_DAYS", "30",
            "Days before a cache entry expires (DynamoDB TTL on ttl).");
    public static final SettingSpec EMBEDDING_CACHE_OVERWRITE_OTHER_MODEL = SettingSpec.of("EMBEDDING_CACHE_OVERWRITE_OTHER_MODEL", "false",
            "Replace cache entries written for another model name or dimension.");
    public static final SettingSpec LOCAL_CACHE_ENTRIES = SettingSpec.of("LOCAL_CACHE_ENTRIES", "10000",
            "In-process LRU entries in front of DynamoDB (0 disables).");

    // --- Retries ---
    public static final SettingSpec RETRY_MAX_ATTEMPTS = SettingSpec.of("RETRY_MAX_ATTEMPTS", "5",
            "Attempts for S3, OpenSearch and DynamoDB calls before an item is a transient failure.");
    public static final SettingSpec RETRY_INITIAL_BACKOFF_MS = SettingSpec.of("RETRY_INITIAL_BACKOFF_MS", "200",
            "First retry delay; doubles each attempt, with jitter.");
    public static final SettingSpec RETRY_MAX_BACKOFF_MS = SettingSpec.of("RETRY_MAX_BACKOFF_MS", "10000",
            "Longest retry delay.");

    // --- Operations ---
    public static final SettingSpec METRICS_HOST = SettingSpec.of("METRICS_HOST", "127.0.0.1",
            "Address of the /metrics and /health endpoints.");
    public static final SettingSpec METRICS_PORT = SettingSpec.of("METRICS_PORT", "9464",
            "Port of the /metrics and /health endpoints (0 disables them).");
    public static final SettingSpec CLOUDWATCH_ENABLED = SettingSpec.of("CLOUDWATCH_ENABLED", "false",
            "Also publish the metrics to CloudWatch once a minute (needs cloudwatch:PutMetricData; region and "
                    + "credentials from the SDK's default chains).");
    public static final SettingSpec CLOUDWATCH_NAMESPACE = SettingSpec.of("CLOUDWATCH_NAMESPACE", "cis-worker",
            "CloudWatch namespace of the published metrics.");

    // --- Launch (read by the systemd unit and the container entrypoint, not by the worker) ---
    public static final SettingSpec JAVA_OPTS = SettingSpec.of("JAVA_OPTS", "-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError",
            "JVM flags. The heap gets this share of the machine's (or container's) memory; the rest is for libtorch, "
                    + "whose model weights and activations live outside the heap (roughly 0.5-1 GB with ViT-B/32).");

    // --- Backfill ---
    public static final SettingSpec BACKFILL_RATE_LIMIT = SettingSpec.of("BACKFILL_RATE_LIMIT", "0",
            "Most images per second a backfill selects, direct or --enqueue (0 = unlimited).");
    public static final SettingSpec BACKFILL_PROGRESS_SECONDS = SettingSpec.of("BACKFILL_PROGRESS_SECONDS", "10",
            "Seconds between backfill progress log lines when stderr is not a terminal (a terminal gets a progress bar).");
    public static final SettingSpec BACKFILL_KEY_FIELD = SettingSpec.of("BACKFILL_KEY_FIELD", "s3_key",
            "Document field holding the image's S3 key (OpenSearch backfill source).");
    public static final SettingSpec BACKFILL_BUCKET_FIELD = SettingSpec.of("BACKFILL_BUCKET_FIELD", "s3_bucket",
            "Document field holding the image's S3 bucket; documents without it use the backfill's --bucket.");
    public static final SettingSpec BACKFILL_IMAGE_QUERY = SettingSpec.of("BACKFILL_IMAGE_QUERY", "",
            "OpenSearch query (JSON object) that selects image documents; empty = BACKFILL_KEY_FIELD ends with one of "
                    + "IMAGE_EXTENSIONS (case-insensitive wildcards).");
    public static final SettingSpec BACKFILL_SORT_FIELD = SettingSpec.of("BACKFILL_SORT_FIELD", "_id",
            "Field, unique per document, that the OpenSearch backfill pages by (search_after); _id needs "
                    + "indices.id_field_data.enabled (true by default).");
    public static final SettingSpec BACKFILL_PAGE_SIZE = SettingSpec.of("BACKFILL_PAGE_SIZE", "500",
            "Documents per point-in-time search page.");
    public static final SettingSpec BACKFILL_METRICS_PORT = SettingSpec.of("BACKFILL_METRICS_PORT", "0",
            "Port of /metrics and /health during a backfill (0 = none, so a backfill never takes the daemon's port).");

    public static final List<SettingSpec> ALL = List.of(
            SQS_QUEUE_URL, SQS_POLLERS, SQS_WAIT_TIME_SECONDS, SQS_MAX_MESSAGES, SQS_VISIBILITY_TIMEOUT_SECONDS,
            VISIBILITY_HEARTBEAT_ENABLED, VISIBILITY_HEARTBEAT_FRACTION, VISIBILITY_MAX_TOTAL_SECONDS,
            MAX_IN_FLIGHT_MESSAGES, EXIT_WHEN_IDLE_SECONDS, SHUTDOWN_GRACE_SECONDS, SQS_DLQ_URL,
            S3_FORCE_PATH_STYLE, IMAGE_EXTENSIONS, KEY_PREFIXES, MAX_OBJECT_BYTES, MAX_IMAGE_PIXELS, MAX_IMAGE_SIZE,
            IMAGE_DOWNSCALE,
            MODEL_PATH, MODEL_NAME, VECTOR_DIMENSION, MODEL_SHA256, DJL_CACHE_DIR, INFERENCE_THREADS,
            TORCH_NUM_THREADS, TORCH_NUM_INTEROP_THREADS, TORCH_GRAPH_OPTIMIZER, BATCH_MAX_SIZE, BATCH_MAX_WAIT_MS,
            DECODE_THREADS, WORK_QUEUE_CAPACITY, MODEL_PRECISION, DEVICE,
            OPENSEARCH_ENDPOINT, OPENSEARCH_INDEX, OPENSEARCH_AUTH, OPENSEARCH_USERNAME, OPENSEARCH_PASSWORD,
            OPENSEARCH_SIGV4_SERVICE, OPENSEARCH_TLS_VERIFY, OPENSEARCH_KNN_ENGINE, OPENSEARCH_KNN_SPACE_TYPE,
            DOCUMENT_ID_MODE, DOCUMENT_LOOKUP_FIELD, MISSING_DOCUMENT,
            EMBEDDING_CACHE_ENABLED, EMBEDDING_CACHE_TABLE, EMBEDDING_CACHE_TTL_DAYS,
            EMBEDDING_CACHE_OVERWRITE_OTHER_MODEL, LOCAL_CACHE_ENTRIES,
            RETRY_MAX_ATTEMPTS, RETRY_INITIAL_BACKOFF_MS, RETRY_MAX_BACKOFF_MS,
            METRICS_HOST, METRICS_PORT, CLOUDWATCH_ENABLED, CLOUDWATCH_NAMESPACE,
            BACKFILL_RATE_LIMIT, BACKFILL_PROGRESS_SECONDS, BACKFILL_KEY_FIELD, BACKFILL_BUCKET_FIELD,
            BACKFILL_IMAGE_QUERY, BACKFILL_SORT_FIELD, BACKFILL_PAGE_SIZE, BACKFILL_METRICS_PORT,
            JAVA_OPTS);
}
