package io.cis.worker.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
}
