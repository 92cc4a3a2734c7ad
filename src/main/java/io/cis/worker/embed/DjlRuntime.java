package io.cis.worker.embed;

import java.nio.file.Path;
import java.util.Optional;

/**
 * DJL reads its switches from system properties when the engine first starts, so they must be set before any
 * model is loaded. Offline mode keeps DJL from downloading libtorch or anything else at run time, and from
 * sending its usage probe to the EC2 metadata address.
 */
public final class DjlRuntime {

    private DjlRuntime() {
    }

    public static void configure(Optional<Path> cacheDir, int torchThreads, int interopThreads, boolean graphOptimizer) {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        cacheDir.ifPresent(dir -> {
            System.setProperty("DJL_CACHE_DIR", dir.toString());
            System.setProperty("ENGINE_CACHE_DIR", dir.toString());
        });
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(torchThreads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(interopThreads));
        System.setProperty("ai.djl.pytorch.graph_optimizer", Boolean.toString(graphOptimizer));
    }
}
