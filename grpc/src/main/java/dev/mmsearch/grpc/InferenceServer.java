package dev.mmsearch.grpc;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.grpc.proto.inference.v1.InferenceServiceGrpc;
import dev.mmsearch.grpc.proto.preprocess.v1.PreprocessServiceGrpc;
import dev.mmsearch.inference.ModelRegistry;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An inference node: serves {@code mmsearch.inference.v1.InferenceService} and
 * {@code mmsearch.preprocess.v1.PreprocessService} over gRPC from a {@link ModelRegistry}, plus the
 * standard health service ({@code grpc.health.v1.Health}, SERVING while up) and server reflection.
 *
 * <p>{@code EncodeText}/{@code EncodeImage} are what {@link RemoteEncoderProvider} uses; they run the
 * same encoders as in-process search, so vectors are identical. {@code Predict} is the generic
 * tensor path (named tensors straight into the ONNX graph). With batching on, concurrent EncodeText
 * requests for one model are coalesced (see {@link InferenceServerOptions}).
 *
 * <p>The registry stays owned by the caller: closing the server does not close it.
 */
public final class InferenceServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);

    private final ModelRegistry registry;
    private Server server;
    private HealthStatusManager health;
    private MicroBatcher batcher;
    private PredictSessions predictSessions;
    private InferenceServiceImpl inferenceService;
    private InferenceServerOptions options;
    private int boundPort = -1;
    /** Calls received per method (e.g. {@code InferenceService/EncodeText}); a counter for monitoring and tests. */
    private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();

    /** A server for the models of {@code registry}; nothing listens until {@link #start}. */
    public InferenceServer(ModelRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Binds and starts serving.
     *
     * @return the port it listens on (the chosen one when {@code options.port()} is 0)
     * @throws MmsearchException NOT_READY when the address cannot be bound; INVALID_ARGUMENT when started twice
     */
    public synchronized int start(InferenceServerOptions options) {
        Objects.requireNonNull(options, "options");
        if (server != null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "the inference server is already started on port "
                    + port());
        }
        this.options = options;
        batcher = options.batching() ? new MicroBatcher(options.maxBatch(), options.maxWait(), options.batchWorkers()) : null;
        predictSessions = new PredictSessions(registry.options().intraOpThreads());
        inferenceService = new InferenceServiceImpl(registry, batcher, predictSessions);
        health = new HealthStatusManager();
        Server built = NettyServerBuilder.forAddress(new InetSocketAddress(options.bindAddress(), options.port()))
                .maxInboundMessageSize(options.maxMessageBytes())
                .addService(inferenceService)
                .addService(new PreprocessServiceImpl(registry))
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .intercept(new ServerInterceptor() {
                    @Override
                    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                                      ServerCallHandler<Q, R> next) {
                        String method = call.getMethodDescriptor().getFullMethodName();
                        calls.computeIfAbsent(method.substring(method.lastIndexOf('.') + 1), k -> new LongAdder())
                                .increment();
                        return next.startCall(call, headers);
                    }
                })
                .build();
        try {
            built.start();
        } catch (IOException e) {
            releaseHelpers();
            throw new MmsearchException(ErrorCode.NOT_READY, "cannot listen for gRPC on " + options.bindAddress() + ":"
                    + options.port() + " (" + e.getMessage() + "); pick a free port", e);
        }
        server = built;
        boundPort = built.getPort();
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
        health.setStatus(InferenceServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
        health.setStatus(PreprocessServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
        LOG.info("inference server listening address={} port={} batching={} maxBatch={} maxWaitMs={} batchWorkers={} models={}",
                options.bindAddress(), port(), options.batching(), options.maxBatch(), options.maxWait().toMillis(),
                options.batchWorkers(),
                registry.modelIds().size());
        return port();
    }

    /** The port it listens on; -1 before {@link #start}. */
    public synchronized int port() {
        return boundPort;
    }

    /** The bound address, e.g. {@code 127.0.0.1:41234}, or null before {@link #start}. */
    public synchronized InetSocketAddress address() {
        return server == null ? null : new InetSocketAddress(options.bindAddress(), boundPort);
    }

    /**
     * Registers and loads a model directory, as the LoadModel RPC does (e.g. for directories named in
     * configuration at startup). Returns the model id.
     */
    public String loadModel(Path directory, boolean quantized) {
        InferenceServiceImpl service;
        synchronized (this) {
            service = inferenceService;
        }
        if (service == null) {
            throw new MmsearchException(ErrorCode.NOT_READY, "start the inference server before loading models");
        }
        return service.load(directory, quantized);
    }

    /** What micro-batching has done so far; all zero when batching is off. */
    public synchronized BatchingStats batchingStats() {
        return batcher == null ? new BatchingStats(0, 0, 0, 0) : batcher.stats();
    }

    /**
     * Calls received so far per method, keyed {@code Service/Method} without the package, e.g.
     * {@code InferenceService/EncodeText}.
     */
    public Map<String, Long> callCounts() {
        Map<String, Long> counts = new TreeMap<>();
        calls.forEach((method, count) -> counts.put(method, count.sum()));
        return counts;
    }

    /** Whether it has been started and not yet closed. */
    public synchronized boolean isRunning() {
        return server != null && !server.isShutdown();
    }

    /** Stops at once: open connections are cut and running calls fail on the client (a crash, for failover tests). */
    public synchronized void shutdownNow() {
        if (server == null || server.isTerminated()) {
            return;
        }
        health.enterTerminalState();
        server.shutdownNow();
        awaitTermination(Math.max(1, options.shutdownGrace().toMillis()));
        releaseHelpers();
        LOG.info("inference server stopped abruptly port={}", boundPort);
    }

    /**
     * Reports NOT_SERVING, stops taking calls, lets running calls finish within the grace period,
     * then stops. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (server == null || server.isTerminated()) {
            return;
        }
        health.enterTerminalState();
        server.shutdown();
        if (!awaitTermination(options.shutdownGrace().toMillis())) {
            server.shutdownNow();
            awaitTermination(1_000);
        }
        releaseHelpers();
        LOG.info("inference server stopped port={}", boundPort);
    }

    private boolean awaitTermination(long millis) {
        try {
            return server.awaitTermination(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void releaseHelpers() {
        if (batcher != null) {
            batcher.close();
        }
        if (predictSessions != null) {
            predictSessions.close();
        }
    }
}
