package dev.mmsearch.server.cli;

import dev.mmsearch.core.HnswOptions;
import dev.mmsearch.core.VectorEncoding;
import picocli.CommandLine.Option;

/**
 * {@code --vector-encoding}, {@code --hnsw-m} and {@code --hnsw-beam-width}: how a new collection indexes its vectors
 * ({@code index} and {@code import}). Each is null when not given, so {@code import} can keep the export's value.
 */
final class VectorIndexOptions {
    @Option(names = "--vector-encoding", paramLabel = "float32|int8|int4|int1",
            description = "How a new collection indexes its vectors: float32, int8 (scalar-quantised HNSW, the exact"
                    + " floats kept for rescoring), or int4 / int1 (4-bit / 1-bit quantised HNSW, every search"
                    + " rescored 3x with the exact floats). Default: float32 for index, the export's for import. An"
                    + " existing collection keeps its own.")
    String vectorEncoding;

    @Option(names = "--hnsw-m", paramLabel = "M",
            description = "Neighbours per node in a new collection's HNSW graph, 2-512 (default: 16, or the export's).")
    Integer m;

    @Option(names = "--hnsw-beam-width", paramLabel = "N",
            description = "Candidates considered when a node is linked into a new collection's HNSW graph, 1-3200"
                    + " (OpenSearch's ef_construction; default: 100, or the export's).")
    Integer beamWidth;

    /** The encoding given, else {@code fallback}. */
    VectorEncoding encoding(VectorEncoding fallback) {
        return vectorEncoding == null ? fallback : VectorEncoding.parse(vectorEncoding);
    }

    /** The graph options given, each missing one taken from {@code fallback}. */
    HnswOptions hnsw(HnswOptions fallback) {
        return new HnswOptions(m == null ? fallback.m() : m, beamWidth == null ? fallback.beamWidth() : beamWidth);
    }

    /** Whether any of the three was given. */
    boolean given() {
        return vectorEncoding != null || m != null || beamWidth != null;
    }
}
