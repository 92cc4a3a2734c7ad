package io.cis.worker.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The GET /NAME/_alias answers are OpenSearch 2.19.1's own, for each layout. */
class WriteIndexTest {

    @Test
    void aConcreteIndexTakesItsOwnWrites() throws Exception {
        assertEquals(new WriteIndex("cis-files", null), WriteIndex.of("cis-files", json("""
                {"cis-files": {"aliases": {}}}""")));
        assertEquals(new WriteIndex("cis-files", null), WriteIndex.of("cis-files", json("""
                {"cis-files": {"aliases": {"other": {}}}}""")));
    }

    @Test
    void anAliasOfOneIndexWritesToItUnlessMarkedFalse() throws Exception {
        assertEquals(new WriteIndex("cis-files-v2", null), WriteIndex.of("cis-files", json("""
                {"cis-files-v2": {"aliases": {"cis-files": {}}}}""")));
        WriteIndex markedFalse = WriteIndex.of("cis-files", json("""
                {"cis-files-v2": {"aliases": {"cis-files": {"is_write_index": false}}}}"""));
        assertNull(markedFalse.index());
        assertEquals("alias cis-files has no write index (it points to cis-files-v2, marked is_write_index: false):"
                + " mark the index that should take the writes with is_write_index: true (POST /_aliases)",
                markedFalse.problem());
    }

    @Test
    void anAliasOfSeveralIndicesNeedsOneMarkedAsTheWriteIndex() throws Exception {
        assertEquals(new WriteIndex("v2", null), WriteIndex.of("cis-files", json("""
                {"v1": {"aliases": {"cis-files": {"is_write_index": false}}},
                 "v2": {"aliases": {"cis-files": {"is_write_index": true}}}}""")));
        WriteIndex none = WriteIndex.of("cis-files", json("""
                {"v1": {"aliases": {"cis-files": {}}}, "v2": {"aliases": {"cis-files": {}}}}"""));
        assertNull(none.index());
        assertEquals("alias cis-files has no write index (it points to v1, v2, none marked is_write_index: true):"
                + " mark the index that should take the writes with is_write_index: true (POST /_aliases)", none.problem());
    }

    @Test
    void nothingByThatName() throws Exception {
        assertEquals(new WriteIndex(null, "no index or alias named cis-files exists"),
                WriteIndex.of("cis-files", json("{}")));
    }

    private static JsonNode json(String text) throws Exception {
        return new ObjectMapper().readTree(text);
    }
}
