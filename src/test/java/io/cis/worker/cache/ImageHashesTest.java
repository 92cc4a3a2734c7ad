package io.cis.worker.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ImageHashesTest {

    @Test
    void md5HexIsLowercaseHexOfTheBytes() {
        // RFC 1321 test vector, the same value Python's hashlib.md5(b"abc").hexdigest() gives.
        assertEquals("900150983cd24fb0d6963f7d28e17f72", ImageHashes.md5Hex("abc".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("d41d8cd98f00b204e9800998ecf8427e", ImageHashes.md5Hex(new byte[0]));
    }

    @Test
    void onlyLowercaseThirtyTwoHexDigitsAreValid() {
        assertTrue(ImageHashes.isValid("900150983cd24fb0d6963f7d28e17f72"));
        assertFalse(ImageHashes.isValid("900150983CD24FB0D6963F7D28E17F72"));
        assertFalse(ImageHashes.isValid("900150983cd24fb0d6963f7d28e17f7"));
        assertFalse(ImageHashes.isValid("900150983cd24fb0d6963f7d28e17f72 "));
        assertFalse(ImageHashes.isValid(""));
        assertFalse(ImageHashes.isValid(null));
    }

    @Test
    void aSinglePartETagStatesTheMd5QuotedOrNotInEitherCase() {
        String md5 = "900150983cd24fb0d6963f7d28e17f72";
        assertEquals(md5, ImageHashes.fromETag(md5));
        assertEquals(md5, ImageHashes.fromETag("\"" + md5 + "\""));
        assertEquals(md5, ImageHashes.fromETag("900150983CD24FB0D6963F7D28E17F72"));
    }

    @Test
    void multipartAndOtherETagsStateNoHash() {
        assertNull(ImageHashes.fromETag("900150983cd24fb0d6963f7d28e17f72-2"), "multipart: an MD5 of part MD5s");
        assertNull(ImageHashes.fromETag("\"d41d8cd98f00b204e9800998ecf8427e-12\""));
        assertNull(ImageHashes.fromETag("9b2cf535"));
        assertNull(ImageHashes.fromETag("W/\"900150983cd24fb0d6963f7d28e17f72\""), "a weak HTTP ETag is not S3's");
        assertNull(ImageHashes.fromETag("900150983cd24fb0d6963f7d28e17g72"));
        assertNull(ImageHashes.fromETag(""));
        assertNull(ImageHashes.fromETag(null));
    }
}
