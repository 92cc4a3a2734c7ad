package io.cis.worker.index;

import java.util.List;

/**
 * What {@link IndexSetup#ensureIndex()} did.
 *
 * @param index       the index (or alias) name
 * @param created     true when this call created the index
 * @param addedFields fields added to an existing index's mapping
 * @param warnings    differences that do not stop the worker, worth logging
 */
public record IndexSetupResult(String index, boolean created, List<String> addedFields, List<String> warnings) {

    public IndexSetupResult {
        addedFields = List.copyOf(addedFields);
        warnings = List.copyOf(warnings);
    }
}
