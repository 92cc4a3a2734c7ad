package io.cis.worker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.index.OpenSearchAuthMode;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Settings are declared once: the catalogue, the validation and the documents all follow the declarations. */
class SettingsCatalogueTest {

    private static List<SettingSpec<?>> declaredFields() throws IllegalAccessException {
        List<SettingSpec<?>> fields = new ArrayList<>();
        for (Field field : Settings.class.getDeclaredFields()) {
            int modifiers = field.getModifiers();
            if (field.getType() == SettingSpec.class && Modifier.isPublic(modifiers) && Modifier.isStatic(modifiers)) {
                fields.add((SettingSpec<?>) field.get(null));
            }
        }
        return fields;
    }

    @Test
    void theCatalogueHoldsEveryDeclaredSettingOnce() throws IllegalAccessException {
        List<SettingSpec<?>> fields = declaredFields();
        assertTrue(fields.size() > 50, "the settings were found: " + fields);
        assertEquals(fields.size(), Settings.ALL.size(), "catalogue " + Settings.ALL + " vs fields " + fields);
        assertEquals(Set.copyOf(fields), Set.copyOf(Settings.ALL));
    }

    @Test
    void namesAndOldNamesAreUnique() {
        Set<String> names = new HashSet<>();
        for (SettingSpec<?> spec : Settings.ALL) {
            assertTrue(names.add(spec.name()), "twice: " + spec.name());
            for (String alias : spec.aliases()) {
                assertTrue(names.add(alias), "twice: " + alias);
            }
        }
    }

    @Test
    void everyDefaultIsAnAllowedValue() {
        SettingReader reader = new SettingReader(new RawSettings(Map.of(), Map.of()), 4);
        for (SettingSpec<?> spec : Settings.ALL) {
            reader.get(spec);
        }
        assertEquals(List.of(), reader.problems());
    }

    @Test
    void theDeclaredRangeIsTheOneCheckedAndDocumented() {
        SettingReader reader = new SettingReader(new RawSettings(Map.of(), Map.of(
                "SQS_WAIT_TIME_SECONDS", "21", "VISIBILITY_HEARTBEAT_FRACTION", "0.95", "DECODE_THREADS", "0",
                "BACKFILL_RATE_LIMIT", "-1")), 4);
        reader.get(Settings.SQS_WAIT_TIME_SECONDS);
        reader.get(Settings.VISIBILITY_HEARTBEAT_FRACTION);
        reader.get(Settings.DECODE_THREADS);
        reader.get(Settings.BACKFILL_RATE_LIMIT);
        assertEquals(List.of("SQS_WAIT_TIME_SECONDS=21 must be between 0 and 20",
                "VISIBILITY_HEARTBEAT_FRACTION=0.95 must be between 0.1 and 0.9",
                "DECODE_THREADS=0 must be between 1 and 256",
                "BACKFILL_RATE_LIMIT=-1 must be between 0 and 1000000"), reader.problems());

        String table = SettingsDocument.markdownTable();
        assertTrue(table.contains("| `SQS_WAIT_TIME_SECONDS` | `10` | 0-20 |"), table);
        assertTrue(table.contains("| `VISIBILITY_HEARTBEAT_FRACTION` | `0.5` | 0.1-0.9 |"), table);
        assertTrue(table.contains("| `DECODE_THREADS` | `auto` | auto or 1-256 |"), table);
        assertTrue(table.contains("| `OPENSEARCH_AUTH` | `none` | none, basic, sigv4 |"), table);
        assertTrue(SettingsDocument.exampleEnvFile().contains("# Allowed: 0-20\n#SQS_WAIT_TIME_SECONDS=10\n"));
    }

    @Test
    void valuesAreReadAsTheirKind() {
        SettingReader reader = new SettingReader(new RawSettings(Map.of(), Map.of(
                "OPENSEARCH_AUTH", "SigV4", "DECODE_THREADS", "auto", "BATCH_MAX_WAIT_MS", "75",
                "EMBEDDING_CACHE_ENABLED", "off", "DEVICE", "GPU(2)", "OPENSEARCH_SIGV4_SERVICE", "AOSS")), 3);
        assertEquals(OpenSearchAuthMode.SIGV4, reader.get(Settings.OPENSEARCH_AUTH));
        assertEquals(3, reader.get(Settings.DECODE_THREADS));
        assertEquals(Duration.ofMillis(75), reader.get(Settings.BATCH_MAX_WAIT_MS));
        assertFalse(reader.get(Settings.EMBEDDING_CACHE_ENABLED));
        assertEquals("gpu(2)", reader.get(Settings.DEVICE));
        assertEquals(List.of(), reader.problems());
        reader.get(Settings.OPENSEARCH_SIGV4_SERVICE);
        assertEquals(List.of("OPENSEARCH_SIGV4_SERVICE=AOSS must be es or aoss"), reader.problems());
    }

    @Test
    void aRequiredSettingMustNotBeEmpty() {
        SettingReader reader = new SettingReader(new RawSettings(Map.of(), Map.of("MODEL_NAME", "")), 1);
        reader.get(Settings.MODEL_NAME);
        reader.require(Settings.SQS_QUEUE_URL);
        assertEquals(2, reader.problems().size(), reader.problems().toString());
        assertTrue(reader.problems().get(0).startsWith("MODEL_NAME is required: "));
        assertTrue(reader.problems().get(1).startsWith("SQS_QUEUE_URL is required: "));
    }

    @Test
    void descriptionsDoNotRepeatTheRange() {
        for (SettingSpec<?> spec : Settings.ALL) {
            if (!spec.allowed().isEmpty()) {
                assertFalse(spec.description().contains(spec.allowed()), spec.name() + ": " + spec.description());
            }
        }
    }

    @Test
    void aSettingCannotBeDeclaredOutsideTheCatalogueUnnoticed() {
        // The kind method is what adds a declaration to its catalogue.
        List<SettingSpec<?>> catalogue = new ArrayList<>();
        SettingSpec<Integer> spec = new SettingDeclaration("X", "x", catalogue::add).integer(1, 0, 2);
        assertEquals(List.of(spec), catalogue);
        assertThrows(UnsupportedOperationException.class, () -> Settings.ALL.add(spec));
    }
}
