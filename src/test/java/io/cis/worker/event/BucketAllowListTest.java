package io.cis.worker.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BucketAllowListTest {

    @Test
    void emptyAllowsEveryBucket() {
        BucketAllowList any = BucketAllowList.of(List.of());
        assertTrue(any.allowsAny());
        assertTrue(any.allows("whatever-bucket"));
        assertEquals("any bucket", any.toString());
    }

    @Test
    void aListAllowsExactlyItsNames() {
        BucketAllowList list = BucketAllowList.of(List.of("photos", "scans"));
        assertTrue(list.allows("photos"));
        assertTrue(list.allows("scans"));
        assertFalse(list.allows("photos-backup"), "names are whole, not prefixes");
        assertFalse(list.allows("Photos"), "S3 compares bucket names exactly");
        assertFalse(list.allowsAny());
        assertEquals("photos,scans", list.toString());
    }

    @Test
    void urlsPathsAndBlanksAreNotBucketNames() {
        assertThrows(IllegalArgumentException.class, () -> BucketAllowList.of(List.of("s3://photos")));
        assertThrows(IllegalArgumentException.class, () -> BucketAllowList.of(List.of("photos/uploads")));
        assertThrows(IllegalArgumentException.class, () -> BucketAllowList.of(List.of(" ")));
    }
}
