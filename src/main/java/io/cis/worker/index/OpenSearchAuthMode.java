package io.cis.worker.index;

/** How the worker authenticates to OpenSearch (OPENSEARCH_AUTH); {@link OpenSearchAuth} holds the credentials. */
public enum OpenSearchAuthMode {
    /** No authentication (a local or VPC-only cluster). */
    NONE,
    /** HTTP basic auth with a user and password. */
    BASIC,
    /** AWS SigV4 signing (Amazon OpenSearch Service or Serverless), credentials from the SDK's default chain. */
    SIGV4
}
