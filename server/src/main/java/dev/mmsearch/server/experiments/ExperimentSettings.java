package dev.mmsearch.server.experiments;

import java.nio.file.Path;

/**
 * Where the experiment configuration comes from, in order of precedence: a ZooKeeper node
 * ({@code zkConnect} + {@code zkPath}, shared by every search node), a YAML file (watched), else
 * {@code DATA_DIR/experiments.yaml} when it exists, else the built-in default.
 */
public record ExperimentSettings(Path file, String zkConnect, String zkPath) {
    public static final String DEFAULT_ZK_PATH = "/mmsearch/experiments";
    public static final ExperimentSettings DEFAULTS = new ExperimentSettings(null, null, null);

    public ExperimentSettings {
        if (zkConnect != null && zkConnect.isBlank()) {
            zkConnect = null;
        }
        if (zkPath == null || zkPath.isBlank()) {
            zkPath = DEFAULT_ZK_PATH;
        }
    }
}
