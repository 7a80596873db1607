package dev.mmsearch.grpc;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link InferenceServer} listens and batches.
 *
 * @param bindAddress     interface to listen on ({@code 0.0.0.0} = all, {@code 127.0.0.1} = loopback only)
 * @param port            TCP port; 0 picks a free one ({@link InferenceServer#start} returns it)
 * @param batching        coalesce concurrent EncodeText requests for one model (dynamic micro-batching)
 * @param maxBatch        most texts in one coalesced model run
 * @param maxWait         how long the first request of a batch waits for company; 0 (the default) = only
 *                        coalesce what queued up while the model was busy, which never leaves the model idle
 * @param batchWorkers    model runs in flight at once per model and side when batching (one gathers the
 *                        next batch while another runs)
 * @param maxMessageBytes largest request or response message (images and Predict tensors can be big)
 * @param shutdownGrace   how long {@link InferenceServer#close()} lets running calls finish
 */
public record InferenceServerOptions(String bindAddress, int port, boolean batching, int maxBatch, Duration maxWait,
                                     int batchWorkers, int maxMessageBytes, Duration shutdownGrace) {

    public static final int DEFAULT_PORT = 9090;
    public static final int DEFAULT_MAX_BATCH = 32;
    public static final Duration DEFAULT_MAX_WAIT = Duration.ZERO;
    public static final int DEFAULT_BATCH_WORKERS = 2;
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 64 << 20;

    public InferenceServerOptions {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(maxWait, "maxWait");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        require(port >= 0 && port <= 65_535, "port must be 0..65535, got " + port);
        require(maxBatch >= 1, "maxBatch must be at least 1, got " + maxBatch);
        require(!maxWait.isNegative(), "maxWait must not be negative, got " + maxWait);
        require(batchWorkers >= 1, "batchWorkers must be at least 1, got " + batchWorkers);
        require(maxMessageBytes >= 1 << 20, "maxMessageBytes must be at least 1 MiB, got " + maxMessageBytes);
        require(!shutdownGrace.isNegative(), "shutdownGrace must not be negative, got " + shutdownGrace);
    }

    /**
     * All interfaces, port {@value #DEFAULT_PORT}, batching on (up to 32 texts, no extra wait, 2 workers),
     * 64 MiB messages, 5 s grace.
     */
    public static InferenceServerOptions defaults() {
        return new InferenceServerOptions("0.0.0.0", DEFAULT_PORT, true, DEFAULT_MAX_BATCH, DEFAULT_MAX_WAIT,
                DEFAULT_BATCH_WORKERS, DEFAULT_MAX_MESSAGE_BYTES, Duration.ofSeconds(5));
    }

    /** Loopback only, a random free port, batching on: for tests and benchmarks. */
    public static InferenceServerOptions loopback() {
        return defaults().withBindAddress("127.0.0.1").withPort(0);
    }

    public InferenceServerOptions withBindAddress(String newBindAddress) {
        return new InferenceServerOptions(newBindAddress, port, batching, maxBatch, maxWait, batchWorkers, maxMessageBytes, shutdownGrace);
    }

    public InferenceServerOptions withPort(int newPort) {
        return new InferenceServerOptions(bindAddress, newPort, batching, maxBatch, maxWait, batchWorkers, maxMessageBytes, shutdownGrace);
    }

    public InferenceServerOptions withBatching(boolean on) {
        return new InferenceServerOptions(bindAddress, port, on, maxBatch, maxWait, batchWorkers, maxMessageBytes, shutdownGrace);
    }

    public InferenceServerOptions withBatching(int newMaxBatch, Duration newMaxWait) {
        return new InferenceServerOptions(bindAddress, port, true, newMaxBatch, newMaxWait, batchWorkers, maxMessageBytes, shutdownGrace);
    }

    public InferenceServerOptions withBatchWorkers(int workers) {
        return new InferenceServerOptions(bindAddress, port, batching, maxBatch, maxWait, workers, maxMessageBytes,
                shutdownGrace);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "inference server option: " + message);
        }
    }
}
