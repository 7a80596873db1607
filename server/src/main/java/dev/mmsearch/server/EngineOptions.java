package dev.mmsearch.server;

import java.nio.file.Path;
import java.util.List;

import dev.mmsearch.inference.EncoderOptions;

/**
 * Tuning shared by the CLI and the service.
 *
 * @param intraOpThreads ONNX Runtime threads per inference call (0 = number of cores)
 * @param batchSize      documents per encoder call when indexing
 * @param imageRoots     folders images may be read from (besides those recorded by {@code index} of an image folder)
 * @param inferenceNodes {@code host:port} of remote inference nodes (gRPC); empty = models run in this process
 */
public record EngineOptions(int intraOpThreads, int batchSize, List<Path> imageRoots, List<String> inferenceNodes) {
    public static final EngineOptions DEFAULTS = new EngineOptions(0, 32);

    public EngineOptions {
        imageRoots = imageRoots == null ? List.of() : List.copyOf(imageRoots);
        inferenceNodes = inferenceNodes == null ? List.of() : List.copyOf(inferenceNodes);
    }

    public EngineOptions(int intraOpThreads, int batchSize) {
        this(intraOpThreads, batchSize, List.of(), List.of());
    }

    public int effectiveThreads() {
        return intraOpThreads > 0 ? intraOpThreads : Runtime.getRuntime().availableProcessors();
    }

    EncoderOptions modelOptions() {
        return new EncoderOptions(effectiveThreads(), batchSize);
    }
}
