package io.cis.worker.backfill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SliceTest {

    @Test
    void parsesTheCommandLineAndTheSystemdInstanceForms() {
        assertEquals(new Slice(0, 2), Slice.parse("0/2"));
        assertEquals(new Slice(3, 4), Slice.parse("3-4"));
        assertEquals("3/4", Slice.parse(" 3/4 ").toString());
        assertTrue(Slice.parse("0/1").isWhole());
        assertFalse(Slice.parse("0/2").isWhole());
    }

    @Test
    void refusesSlicesOutsideTheirCount() {
        assertThrows(IllegalArgumentException.class, () -> Slice.parse("2/2"));
        assertThrows(IllegalArgumentException.class, () -> Slice.parse("0/0"));
        assertThrows(IllegalArgumentException.class, () -> Slice.parse("1"));
        assertThrows(IllegalArgumentException.class, () -> Slice.parse("-1/2"));
        assertThrows(IllegalArgumentException.class, () -> Slice.parse("a/b"));
        assertThrows(IllegalArgumentException.class, () -> Slice.parse(null));
    }
}
