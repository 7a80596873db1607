package dev.mmsearch.server;

import java.nio.file.Path;

/**
 * Everything one mmsearch instance keeps on disk lives under one folder, so that two
 * instances (or tests) with different folders never share state.
 *
 * <pre>
 * DATA_DIR/collections/NAME/   one Lucene index per collection
 * DATA_DIR/models/ID/          built-in models extracted from the jar (the model cache)
 * DATA_DIR/reports/            ingest error reports
 * </pre>
 *
 * The default is {@code $MMSEARCH_DATA_DIR}, else {@code ~/.mmsearch}.
 */
public record DataDirectory(Path root) {
    public static final String ENV = "MMSEARCH_DATA_DIR";

    public DataDirectory {
        root = root.toAbsolutePath().normalize();
    }

    public static DataDirectory defaultLocation() {
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return new DataDirectory(Path.of(env));
        }
        return new DataDirectory(Path.of(System.getProperty("user.home"), ".mmsearch"));
    }

    public Path collections() {
        return root.resolve("collections");
    }

    public Path models() {
        return root.resolve("models");
    }

    public Path reports() {
        return root.resolve("reports");
    }
}
