package io.cis.worker.cli;

import io.cis.worker.app.Application;
import io.cis.worker.app.StartupException;
import io.cis.worker.config.WorkerConfig;
import io.cis.worker.index.IndexSetupResult;
import java.util.concurrent.Callable;
import org.opensearch.client.opensearch.OpenSearchClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "create-index", mixinStandardHelpOptions = true,
        description = {"Create the OpenSearch index with the k-NN mapping if it is missing; on an existing index,",
                "check image_embedding's dimension and add the worker's other fields. Safe to run again."})
public final class CreateIndexCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() throws Exception {
        WorkerConfig workerConfig = config.load(WorkerConfig.Scope.INDEX_ONLY);
        OpenSearchClient client;
        try {
            client = Application.openSearchClient(workerConfig.index());
        } catch (StartupException e) {
            System.err.println("create-index failed: " + e.getMessage());
            return 1;
        }
        try {
            IndexSetupResult result = Application.indexSetup(client, workerConfig).ensureIndex();
            System.out.println((result.created() ? "created index " : "index exists: ") + result.index()
                    + (result.addedFields().isEmpty() ? "" : ", added fields " + result.addedFields())
                    + (result.warnings().isEmpty() ? "" : ", warnings " + result.warnings()));
            return 0;
        } catch (RuntimeException e) {
            System.err.println("create-index failed: " + e.getMessage());
            return 1;
        } finally {
            client._transport().close();
        }
    }
}
