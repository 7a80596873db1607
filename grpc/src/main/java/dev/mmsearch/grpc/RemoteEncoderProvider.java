package dev.mmsearch.grpc;

import dev.mmsearch.core.EncoderProvider;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.ImageEncoder;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.core.VectorSimilarity;
import dev.mmsearch.grpc.proto.inference.v1.InferenceServiceGrpc;
import dev.mmsearch.grpc.proto.inference.v1.InferenceServiceGrpc.InferenceServiceBlockingStub;
import dev.mmsearch.grpc.proto.inference.v1.ListModelsRequest;
import dev.mmsearch.grpc.proto.inference.v1.LoadModelRequest;
import dev.mmsearch.grpc.proto.inference.v1.ModelInfo;
import dev.mmsearch.grpc.proto.preprocess.v1.PreprocessServiceGrpc;
import dev.mmsearch.grpc.proto.preprocess.v1.PreprocessServiceGrpc.PreprocessServiceBlockingStub;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encoders that run on inference nodes over gRPC and implement the same interfaces as the in-process
 * ones, so nothing above them changes.
 *
 * <ul>
 *   <li>One channel to all addresses with gRPC's {@code round_robin} policy (a small static name
 *       resolver lists the addresses): calls are spread over the nodes and nodes that are down are
 *       skipped.</li>
 *   <li>Every call carries a deadline ({@link RemoteEncoderOptions#deadline()}, retries included).</li>
 *   <li>Every call is idempotent and is retried on UNAVAILABLE (and on CANCELLED, which is what calls
 *       running on a node that stops abruptly get) through gRPC's retry policy (service config),
 *       which re-picks a node, so a node that dies mid-call costs a retry, not an error.</li>
 *   <li>When no node answers, calls fail with {@link ErrorCode#NOT_READY} (HTTP 503) naming the
 *       addresses; server errors keep their {@link ErrorCode} (e.g. MODEL_NOT_FOUND).</li>
 * </ul>
 * All inference nodes are expected to serve the same models ({@link #loadModel} loads on every node).
 */
public final class RemoteEncoderProvider implements EncoderProvider {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteEncoderProvider.class);

    private final RemoteEncoderOptions options;
    private final ManagedChannel channel;
    private final InferenceServiceBlockingStub inference;
    private final PreprocessServiceBlockingStub preprocess;
    private final Map<String, RemoteTextEncoder> textEncoders = new ConcurrentHashMap<>();
    private final Map<String, RemoteImageEncoder> imageEncoders = new ConcurrentHashMap<>();

    public RemoteEncoderProvider(RemoteEncoderOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        StaticAddressResolverProvider.register();
        this.channel = NettyChannelBuilder.forTarget(StaticAddressResolverProvider.target(options.addresses()))
                .usePlaintext()
                .defaultServiceConfig(serviceConfig(options.maxAttempts()))
                .enableRetry()
                .maxInboundMessageSize(options.maxMessageBytes())
                .build();
        this.inference = InferenceServiceGrpc.newBlockingStub(channel);
        this.preprocess = PreprocessServiceGrpc.newBlockingStub(channel);
        LOG.info("remote encoders addresses={} deadlineMs={} maxAttempts={}", options.addresses(),
                options.deadline().toMillis(), options.maxAttempts());
    }

    /** {@link RemoteEncoderOptions#of defaults} for these {@code host:port} addresses. */
    public static RemoteEncoderProvider connect(List<String> addresses) {
        return new RemoteEncoderProvider(RemoteEncoderOptions.of(addresses));
    }

    public RemoteEncoderOptions options() {
        return options;
    }

    /**
     * The text tower of {@code modelId} on the inference nodes; its stamp comes from ListModels (the
     * node loads the model if needed). Cached per id.
     *
     * @throws MmsearchException MODEL_NOT_FOUND when the nodes do not know it; NOT_READY when none answers
     */
    @Override
    public TextEncoder textEncoder(String modelId) {
        RemoteTextEncoder cached = textEncoders.get(Objects.requireNonNullElse(modelId, ""));
        if (cached != null) {
            return cached;
        }
        ModelInfo info = describe(modelId);
        return textEncoders.computeIfAbsent(modelId, id -> new RemoteTextEncoder(this, stamp(info),
                info.getMaxSequenceLength()));
    }

    /**
     * The image tower of {@code modelId} on the inference nodes.
     *
     * @throws MmsearchException MODEL_NOT_FOUND when the model does not exist or has no image tower
     */
    @Override
    public ImageEncoder imageEncoder(String modelId) {
        RemoteImageEncoder cached = imageEncoders.get(Objects.requireNonNullElse(modelId, ""));
        if (cached != null) {
            return cached;
        }
        ModelInfo info = describe(modelId);
        if (!info.getHasImageEncoder()) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "model '" + modelId + "' on inference nodes "
                    + options.addresses() + " has no image encoder; image search needs a CLIP model");
        }
        return imageEncoders.computeIfAbsent(modelId, id -> new RemoteImageEncoder(this, stamp(info)));
    }

    /** Ids the inference nodes serve (asked each time, so models loaded since are listed). */
    @Override
    public List<String> modelIds() {
        return call("ListModels", options.deadline(), s -> s.listModels(ListModelsRequest.getDefaultInstance()))
                .getModelsList().stream().map(ModelInfo::getId).toList();
    }

    /**
     * Loads a model directory (a path on the inference nodes) on every reachable node without
     * restarting them, and returns its stamp. Nodes that cannot be reached are skipped with a warning
     * (load it there when they are back).
     *
     * @throws MmsearchException the node's error (MODEL_NOT_FOUND for a missing file, ...); NOT_READY when no node answers
     */
    public ModelStamp loadModel(String directory, boolean quantized) {
        LoadModelRequest request = LoadModelRequest.newBuilder().setDirectory(directory).setQuantized(quantized).build();
        ModelInfo loaded = null;
        List<String> unreachable = new ArrayList<>();
        for (String address : options.addresses()) {
            ManagedChannel direct = NettyChannelBuilder.forTarget(StaticAddressResolverProvider.target(List.of(address)))
                    .usePlaintext().build();
            try {
                loaded = InferenceServiceGrpc.newBlockingStub(direct)
                        .withDeadlineAfter(options.adminDeadline().toMillis(), TimeUnit.MILLISECONDS)
                        .loadModel(request).getModel();
            } catch (StatusRuntimeException e) {
                MmsearchException error = GrpcErrors.toMmsearch(e, "LoadModel " + directory, List.of(address));
                if (error.code() != ErrorCode.NOT_READY) {
                    throw error;
                }
                LOG.warn("LoadModel skipped unreachable inference node address={} dir={}", address, directory);
                unreachable.add(address);
            } finally {
                direct.shutdownNow();
            }
        }
        if (loaded == null) {
            throw new MmsearchException(ErrorCode.NOT_READY, "no inference node reachable at " + unreachable
                    + " to load model directory " + directory);
        }
        textEncoders.remove(loaded.getId());
        imageEncoders.remove(loaded.getId());
        return stamp(loaded);
    }

    /** Closes the channel to the inference nodes; encoders handed out stop working. */
    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ModelInfo describe(String modelId) {
        if (modelId == null || modelId.isBlank()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "a model id is needed");
        }
        ModelInfo info = call("ListModels model=" + modelId, options.adminDeadline(),
                s -> s.listModels(ListModelsRequest.newBuilder().addIds(modelId).setLoad(true).build())).getModels(0);
        return info;
    }

    private static ModelStamp stamp(ModelInfo info) {
        return new ModelStamp(info.getId(), info.getChecksum(), info.getDimension(),
                VectorSimilarity.valueOf(info.getMetric()));
    }

    /** Calls the InferenceService with a deadline; failures become {@link MmsearchException}. */
    <T> T call(String what, Duration deadline, Function<InferenceServiceBlockingStub, T> rpc) {
        try {
            return rpc.apply(inference.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
        } catch (StatusRuntimeException e) {
            throw GrpcErrors.toMmsearch(e, what, options.addresses());
        }
    }

    /** Calls the PreprocessService with a deadline; failures become {@link MmsearchException}. */
    <T> T callPreprocess(String what, Function<PreprocessServiceBlockingStub, T> rpc) {
        try {
            return rpc.apply(preprocess.withDeadlineAfter(options.deadline().toMillis(), TimeUnit.MILLISECONDS));
        } catch (StatusRuntimeException e) {
            throw GrpcErrors.toMmsearch(e, what, options.addresses());
        }
    }

    /**
     * round_robin over the resolved addresses, and a retry policy for both services: every method is
     * idempotent (encoding is a pure function; LoadModel of a loaded directory is a no-op). Retried on
     * UNAVAILABLE (node down or unreachable) and CANCELLED (a node that stops abruptly resets the
     * calls it was running with RST_STREAM CANCEL); a call this side cancels or whose deadline passes
     * is never retried, gRPC ends it first.
     */
    private static Map<String, ?> serviceConfig(int maxAttempts) {
        Map<String, Object> retryPolicy = Map.of(
                "maxAttempts", (double) maxAttempts,
                "initialBackoff", "0.02s",
                "maxBackoff", "0.2s",
                "backoffMultiplier", 2.0,
                "retryableStatusCodes", List.of("UNAVAILABLE", "CANCELLED"));
        Map<String, Object> methodConfig = Map.of(
                "name", List.of(Map.of("service", InferenceServiceGrpc.SERVICE_NAME),
                        Map.of("service", PreprocessServiceGrpc.SERVICE_NAME)),
                "retryPolicy", retryPolicy);
        return Map.of(
                "loadBalancingConfig", List.of(Map.of("round_robin", Map.of())),
                "methodConfig", List.of(methodConfig));
    }
}
