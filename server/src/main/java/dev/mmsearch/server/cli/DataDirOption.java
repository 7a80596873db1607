package dev.mmsearch.server.cli;

import java.util.ArrayList;
import java.util.List;

import dev.mmsearch.server.DataDirectory;
import dev.mmsearch.server.EngineOptions;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command takes: where the data lives and how many inference threads to use. */
public class DataDirOption {
    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where collections, error reports and the model cache live "
                    + "(default: $MMSEARCH_DATA_DIR, else ~/.mmsearch).")
    Path dataDir;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "ONNX Runtime intra-op threads per inference call (default: all cores).")
    int threads;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32",
            description = "Documents per encoder call when indexing (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--image-root", paramLabel = "DIR",
            description = "A folder images may be read from (repeatable); image folders given to `index` are added"
                    + " automatically.")
    List<Path> imageRoots = new ArrayList<>();

    @Option(names = "--inference", paramLabel = "HOST:PORT",
            description = "Run models on these inference nodes over gRPC (repeatable; round-robin with failover)"
                    + " instead of in this process.")
    List<String> inferenceNodes = new ArrayList<>();

    @Option(names = "--opensearch", paramLabel = "URL",
            description = "Keep collections in this OpenSearch cluster (http://host:port, repeatable) instead of the"
                    + " embedded Lucene store.")
    List<String> openSearchHosts = new ArrayList<>();

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "cpu|cuda[:N]",
            description = "Where models run in this process: cpu (default) or cuda / cuda:N (ONNX Runtime's CUDA"
                    + " execution provider; needs a build with -Pgpu and an NVIDIA GPU).")
    String device;

    /** The collection store these options name (embedded Lucene, or OpenSearch with --opensearch). */
    public dev.mmsearch.core.CollectionStore openStore() {
        return engineOptions().openStore(dataDirectory());
    }

    public DataDirectory dataDirectory() {
        return dataDir == null ? DataDirectory.defaultLocation() : new DataDirectory(dataDir);
    }

    public EngineOptions engineOptions() {
        return new EngineOptions(threads, batchSize, imageRoots, inferenceNodes, openSearchHosts, device);
    }
}
