package dev.mmsearch.server;

import dev.mmsearch.inference.EncoderOptions;

/**
 * Tuning shared by the CLI and the service.
 *
 * @param intraOpThreads ONNX Runtime threads per inference call (0 = number of cores)
 * @param batchSize      documents per encoder call when indexing
 */
public record EngineOptions(int intraOpThreads, int batchSize) {
    public static final EngineOptions DEFAULTS = new EngineOptions(0, 32);

    public int effectiveThreads() {
        return intraOpThreads > 0 ? intraOpThreads : Runtime.getRuntime().availableProcessors();
    }

    EncoderOptions modelOptions() {
        return new EncoderOptions(effectiveThreads(), batchSize);
    }
}
