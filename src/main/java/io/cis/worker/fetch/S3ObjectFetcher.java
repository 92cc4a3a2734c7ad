package io.cis.worker.fetch;

import io.cis.worker.core.Reason;
import io.cis.worker.event.S3ObjectRef;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * S3 GetObject with a hard size limit: the declared length is checked before the body is read, and the read
 * itself stops at the limit in case the length was missing or wrong. HeadObject answers with the same failure
 * classification (a HEAD's 404 has no error code, only the status).
 */
public final class S3ObjectFetcher implements ObjectFetcher {

    private final S3Client s3;
    private final long maxObjectBytes;
    private final BucketOwners owners;

    public S3ObjectFetcher(S3Client s3, long maxObjectBytes) {
        this(s3, maxObjectBytes, BucketOwners.none());
    }

    /** @param owners the account each bucket must belong to, sent with every GET (S3_EXPECTED_BUCKET_OWNER) */
    public S3ObjectFetcher(S3Client s3, long maxObjectBytes, BucketOwners owners) {
        this.s3 = s3;
        this.maxObjectBytes = maxObjectBytes;
        this.owners = owners;
    }

    @Override
    public FetchedObject fetch(S3ObjectRef object) throws FetchException {
        String owner = owners.ownerOf(object.bucket());
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(object.bucket()).key(object.key())
                .expectedBucketOwner(owner);
        if (object.versionId() != null) {
            request.versionId(object.versionId()); // the version the notification was about, not whatever is newest
        }
        try (ResponseInputStream<GetObjectResponse> body = s3.getObject(request.build())) {
            Long declared = body.response().contentLength();
            if (declared != null && declared > maxObjectBytes) {
                body.abort();
                throw tooLarge(declared);
            }
            return readLimited(body, declared, body.response().lastModified());
        } catch (S3Exception e) {
            throw classify(e, owner);
        } catch (SdkClientException e) {
            throw FetchException.transientFailure(Reason.S3_UNREACHABLE, e.getMessage(), e);
        } catch (IOException e) {
            throw FetchException.transientFailure(Reason.S3_UNREACHABLE, "read failed: " + e.getMessage(), e);
        }
    }

    @Override
    public ObjectHead head(S3ObjectRef object) throws FetchException {
        String owner = owners.ownerOf(object.bucket());
        HeadObjectRequest.Builder request = HeadObjectRequest.builder().bucket(object.bucket()).key(object.key())
                .expectedBucketOwner(owner);
        if (object.versionId() != null) {
            request.versionId(object.versionId());
        }
        try {
            HeadObjectResponse head = s3.headObject(request.build());
            return new ObjectHead(head.eTag(), head.lastModified());
        } catch (S3Exception e) {
            throw classify(e, owner);
        } catch (SdkClientException e) {
            throw FetchException.transientFailure(Reason.S3_UNREACHABLE, e.getMessage(), e);
        }
    }

    /**
     * The body, read into an array of the declared length when there is one (readNBytes(n) would gather 8 KB chunks
     * and copy them once more into the result: a second pass over every image), still checked against the limit
     * and against a body that turns out longer or shorter than declared.
     */
    private FetchedObject readLimited(InputStream in, Long declared, Instant lastModified)
            throws IOException, FetchException {
        byte[] bytes;
        if (declared != null && declared >= 0) {
            bytes = new byte[Math.toIntExact(declared)];
            int read = in.readNBytes(bytes, 0, bytes.length);
            if (read < bytes.length) {
                throw new IOException("body ended after " + read + " of " + declared + " declared bytes");
            }
            if (in.read() != -1) {
                throw new IOException("body longer than the " + declared + " declared bytes");
            }
        } else {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxObjectBytes + 1));
            if (bytes.length > maxObjectBytes) {
                throw tooLarge(bytes.length);
            }
        }
        return new FetchedObject(bytes, HexFormat.of().formatHex(md5().digest(bytes)), lastModified);
    }

    private FetchException tooLarge(long size) {
        return FetchException.permanent(Reason.OBJECT_TOO_LARGE, size + " bytes exceeds MAX_OBJECT_BYTES " + maxObjectBytes, null);
    }

    /** {@link #classify(S3Exception, String)} for a request sent without an expected owner. */
    static FetchException classify(S3Exception e) {
        return classify(e, null);
    }

    /**
     * A missing object or bucket will not appear by retrying, nor will a bucket that belongs to another account;
     * everything else (throttling, 5xx, and also a 403 without an expected owner, which is usually a policy being
     * fixed) is worth another try and ends in the dead-letter queue if not.
     *
     * @param ownerSent the expected bucket owner the request carried, or null (see {@link BucketOwners#isOwnerMismatch})
     */
    static FetchException classify(S3Exception e, String ownerSent) {
        int status = e.statusCode();
        String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
        if (BucketOwners.isOwnerMismatch(e, ownerSent)) {
            return FetchException.permanent(Reason.BUCKET_OWNER_MISMATCH,
                    ("HTTP 403 " + (code == null ? "" : code)).strip() + " to a request with expected bucket owner " + ownerSent, e);
        }
        if (status == 404 || "NoSuchKey".equals(code) || "NoSuchBucket".equals(code) || "NoSuchVersion".equals(code)) {
            return FetchException.permanent(Reason.OBJECT_NOT_FOUND, code == null || code.isEmpty() ? "404" : code, e);
        }
        Reason reason = status == 401 || status == 403 ? Reason.S3_ACCESS_DENIED : Reason.S3_ERROR;
        return FetchException.transientFailure(reason, "HTTP " + status + " " + code, e);
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides MD5", e);
        }
    }
}
