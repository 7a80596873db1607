package dev.mmsearch.server.cli;

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

    public DataDirectory dataDirectory() {
        return dataDir == null ? DataDirectory.defaultLocation() : new DataDirectory(dataDir);
    }

    public EngineOptions engineOptions() {
        return new EngineOptions(threads, batchSize);
    }
}
