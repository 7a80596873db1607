package dev.mmsearch.server.cli;

import dev.mmsearch.server.experiments.ExperimentSettings;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the experiment config comes from (commands that search). */
public class ExperimentOptions {
    @Option(names = "--experiments", paramLabel = "FILE",
            description = "Experiment config YAML, watched and hot-reloaded (default: DATA_DIR/experiments.yaml if present, else built-in).")
    Path file;

    @Option(names = "--zookeeper", paramLabel = "HOST:PORT[,...]",
            description = "Read the experiment config from this ZooKeeper ensemble instead (shared by all search nodes).")
    String zkConnect;

    @Option(names = "--zk-path", paramLabel = "PATH", defaultValue = ExperimentSettings.DEFAULT_ZK_PATH,
            description = "ZooKeeper node holding the config (default: ${DEFAULT-VALUE}).")
    String zkPath;

    public ExperimentSettings settings() {
        return new ExperimentSettings(file, zkConnect, zkPath);
    }
}
