package io.cis.worker.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.ops.MetricNames;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's operations section lists every metric the code names, so a new metric cannot go undocumented. */
class ReadmeOperationsTest {

    static String section(String name) throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int begin = readme.indexOf("<!-- section: " + name + " -->");
        int end = readme.indexOf("<!-- /section: " + name + " -->");
        assertTrue(begin >= 0 && end > begin, "README.md has no section " + name);
        return readme.substring(begin, end);
    }

    @Test
    void everyMetricIsListedUnderItsPrometheusName() throws Exception {
        String operations = section("operations");
        List<String> missing = new ArrayList<>();
        for (Field field : MetricNames.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && !field.getName().startsWith("TAG_")) {
                String prometheusName = ((String) field.get(null)).replace('.', '_');
                if (!operations.contains("`" + prometheusName)) {
                    missing.add(prometheusName);
                }
            }
        }
        assertEquals(List.of(), missing, "add these to the metrics table in README.md's operations section");
        for (String path : List.of("/health/live", "/health/ready", "/metrics")) {
            assertTrue(operations.contains("`" + path + "`"), path);
        }
    }
}
