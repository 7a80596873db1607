package dev.mmsearch.inference;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;

/**
 * How an {@link OnnxTextEncoder} runs: threads inside one ONNX Runtime call and the largest batch
 * sent to the model at once (longer input lists are split).
 *
 * @param intraOpThreads threads ONNX Runtime uses inside one call
 * @param maxBatchSize   most texts per ONNX Runtime call; larger requests are split
 * @param allowSpinning  let ONNX Runtime's idle worker threads busy-wait for the next call (lower latency
 *                       under steady load, but burns CPU that the rest of the server could use)
 */
public record EncoderOptions(int intraOpThreads, int maxBatchSize, boolean allowSpinning) {

    public static final int DEFAULT_MAX_BATCH_SIZE = 32;

    public EncoderOptions {
        if (intraOpThreads < 1) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT,
                    "intra-op threads must be at least 1, got " + intraOpThreads);
        }
        if (maxBatchSize < 1) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT,
                    "max batch size must be at least 1, got " + maxBatchSize);
        }
    }

    public EncoderOptions(int intraOpThreads, int maxBatchSize) {
        this(intraOpThreads, maxBatchSize, false);
    }

    /** All available processors, batches of {@value #DEFAULT_MAX_BATCH_SIZE}, no spinning. */
    public static EncoderOptions defaults() {
        return new EncoderOptions(Runtime.getRuntime().availableProcessors(), DEFAULT_MAX_BATCH_SIZE, false);
    }

    public EncoderOptions withIntraOpThreads(int threads) {
        return new EncoderOptions(threads, maxBatchSize, allowSpinning);
    }

    public EncoderOptions withMaxBatchSize(int batchSize) {
        return new EncoderOptions(intraOpThreads, batchSize, allowSpinning);
    }
}
