package dev.mmsearch.grpc;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.ImageEncoder;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.grpc.proto.inference.v1.EncodeImageRequest;
import dev.mmsearch.grpc.proto.inference.v1.EncodeResponse;
import dev.mmsearch.grpc.proto.inference.v1.EncodeTextRequest;
import dev.mmsearch.grpc.proto.inference.v1.InferenceServiceGrpc;
import dev.mmsearch.grpc.proto.inference.v1.ListModelsRequest;
import dev.mmsearch.grpc.proto.inference.v1.ListModelsResponse;
import dev.mmsearch.grpc.proto.inference.v1.LoadModelRequest;
import dev.mmsearch.grpc.proto.inference.v1.LoadModelResponse;
import dev.mmsearch.grpc.proto.inference.v1.ModelInfo;
import dev.mmsearch.grpc.proto.inference.v1.PredictRequest;
import dev.mmsearch.grpc.proto.inference.v1.PredictResponse;
import dev.mmsearch.grpc.proto.inference.v1.TextSide;
import dev.mmsearch.inference.BuiltinModel;
import dev.mmsearch.inference.BuiltinModels;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.inference.bundle.ClipBundle;
import dev.mmsearch.inference.bundle.ModelBundle;
import dev.mmsearch.inference.bundle.ModelManifest;
import dev.mmsearch.inference.bundle.TextBundle;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The InferenceService RPCs over a {@link ModelRegistry}. */
final class InferenceServiceImpl extends InferenceServiceGrpc.InferenceServiceImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceServiceImpl.class);

    private final ModelRegistry registry;
    /** ONNX file of each model registered through LoadModel / InferenceServer.loadModel, for Predict. */
    private final Map<String, Path> loadedFiles = new ConcurrentHashMap<>();
    private final MicroBatcher batcher;
    private final PredictSessions predictSessions;

    InferenceServiceImpl(ModelRegistry registry, MicroBatcher batcher, PredictSessions predictSessions) {
        this.registry = registry;
        this.batcher = batcher;
        this.predictSessions = predictSessions;
    }

    @Override
    public void predict(PredictRequest request, StreamObserver<PredictResponse> response) {
        answer(response, () -> {
            String model = requireModel(request.getModel());
            int colon = model.lastIndexOf(':');
            registry.manifest(colon > 0 ? model.substring(0, colon) : model); // MODEL_NOT_FOUND with the known ids
            Path file = onnxFile(model).orElseThrow(() -> Status.FAILED_PRECONDITION.withDescription("model '" + model
                    + "' was registered in-process; Predict serves built-in models and models loaded through "
                    + "LoadModel").asRuntimeException());
            return predictSessions.predict(model, file, request);
        });
    }

    @Override
    public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> response) {
        answer(response, () -> {
            List<String> ids = request.getIdsCount() == 0 ? registry.modelIds() : request.getIdsList();
            ListModelsResponse.Builder out = ListModelsResponse.newBuilder();
            for (String id : ids) {
                out.addModels(info(id, request.getLoad()));
            }
            return out.build();
        });
    }

    @Override
    public void loadModel(LoadModelRequest request, StreamObserver<LoadModelResponse> response) {
        answer(response, () -> {
            if (request.getDirectory().isBlank()) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "LoadModel needs the model directory "
                        + "(a path on the inference node)");
            }
            String id = load(Path.of(request.getDirectory()), request.getQuantized());
            return LoadModelResponse.newBuilder().setModel(info(id, true)).build();
        });
    }

    /** Registers and loads a model directory; returns its id. */
    String load(Path directory, boolean quantized) {
        ModelBundle.Variant variant = quantized ? ModelBundle.Variant.QUANTIZED : ModelBundle.Variant.FP32;
        String id = registry.register(directory, variant); // sentence encoders and CLIP exports alike
        registry.textEncoder(id); // load now: a broken model fails LoadModel, not the first search
        try {
            // Predict needs the single ONNX file of a sentence-encoder bundle; CLIP exports have two.
            Path onnx = TextBundle.load(directory, variant).modelFile();
            loadedFiles.put(id, onnx);
            LOG.info("LoadModel model={} dir={} onnx={}", id, directory, onnx);
        } catch (MmsearchException e) {
            LOG.info("LoadModel model={} dir={} (no single ONNX file: Predict not served for it)", id, directory);
        }
        return id;
    }

    @Override
    public void encodeText(EncodeTextRequest request, StreamObserver<EncodeResponse> response) {
        String model;
        boolean query;
        TextEncoder encoder;
        try {
            model = requireModel(request.getModel());
            if (request.getSide() != TextSide.TEXT_SIDE_QUERY && request.getSide() != TextSide.TEXT_SIDE_DOCUMENT) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "EncodeText needs side QUERY or DOCUMENT, got "
                        + request.getSide());
            }
            query = request.getSide() == TextSide.TEXT_SIDE_QUERY;
            encoder = registry.textEncoder(model);
        } catch (RuntimeException e) {
            response.onError(GrpcErrors.toStatus(e));
            return;
        }
        List<String> texts = request.getTextsList();
        if (batcher == null || texts.isEmpty()) {
            answer(response, () -> vectors(query ? encoder.encodeQueries(texts) : encoder.encodeDocuments(texts),
                    encoder.dimension(), 1));
            return;
        }
        Context context = Context.current();
        batcher.submit(model, encoder, query, texts, context::isCancelled).whenComplete((result, error) -> {
            if (error != null) {
                if (!context.isCancelled()) {
                    response.onError(GrpcErrors.toStatus(unwrap(error)));
                }
                return;
            }
            response.onNext(vectors(result.vectors(), encoder.dimension(), result.coalesced()));
            response.onCompleted();
        });
    }

    @Override
    public void encodeImage(EncodeImageRequest request, StreamObserver<EncodeResponse> response) {
        answer(response, () -> {
            String model = requireModel(request.getModel());
            ImageEncoder encoder = registry.imageEncoder(model);
            List<byte[]> images = request.getImagesList().stream().map(b -> b.toByteArray()).toList();
            return vectors(encoder.encodeImages(images), encoder.dimension(), 1);
        });
    }

    private ModelInfo info(String id, boolean load) {
        ModelManifest manifest = registry.manifest(id);
        ModelInfo.Builder info = ModelInfo.newBuilder().setId(id).setKind(kind(manifest.kind()))
                .setMaxSequenceLength(manifest.maxSequenceLength()).setDimension(manifest.dimension());
        if (load || registry.isLoaded(id)) {
            TextEncoder encoder = registry.textEncoder(id);
            ModelStamp stamp = encoder.stamp();
            info.setLoaded(true).setChecksum(stamp.checksum()).setDimension(stamp.dimension())
                    .setMetric(stamp.metric().name()).setMaxSequenceLength(encoder.maxSequenceLength());
        }
        info.setHasImageEncoder(load ? hasImageEncoder(id) : !manifest.kind().name().startsWith("TEXT"));
        return info.build();
    }

    private boolean hasImageEncoder(String id) {
        try {
            registry.imageEncoder(id);
            return true;
        } catch (MmsearchException e) {
            return false;
        }
    }

    /**
     * The ONNX file Predict runs for {@code model}: a built-in's or LoadModel'ed sentence encoder's one
     * file, or for a CLIP model {@code <id>:text} / {@code <id>:vision} (its two towers).
     */
    private Optional<Path> onnxFile(String model) {
        int colon = model.lastIndexOf(':');
        if (colon > 0 && registry.isClip(model.substring(0, colon))) {
            ClipBundle bundle = registry.clipModel(model.substring(0, colon)).bundle();
            return switch (model.substring(colon + 1)) {
                case "text" -> Optional.of(bundle.textModelFile());
                case "vision" -> Optional.of(bundle.visionModelFile());
                default -> throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "CLIP model '" + model.substring(0, colon)
                        + "' has towers ':text' and ':vision', not '" + model.substring(colon) + "'");
            };
        }
        if (registry.isClip(model)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "'" + model + "' is a CLIP model with two ONNX "
                    + "graphs; Predict on '" + model + ":text' or '" + model + ":vision'");
        }
        Path file = loadedFiles.get(model);
        if (file != null) {
            return Optional.of(file);
        }
        Optional<BuiltinModel> builtin = registry.builtin(model);
        return builtin.map(b -> BuiltinModels.materialize(b, registry.modelCacheDir()).modelFile());
    }

    private static String kind(Enum<?> kind) {
        return kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static String requireModel(String model) {
        if (model == null || model.isBlank()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "the request must name a model");
        }
        return model;
    }

    static EncodeResponse vectors(float[][] vectors, int dimension, int coalesced) {
        EncodeResponse.Builder out = EncodeResponse.newBuilder().setCount(vectors.length).setDimension(dimension)
                .setCoalescedRequests(coalesced);
        for (float[] vector : vectors) {
            for (float v : vector) {
                out.addValues(v);
            }
        }
        return out.build();
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
    }

    /** Runs {@code call} and answers with its value or its error as a gRPC status. */
    static <T> void answer(StreamObserver<T> response, java.util.function.Supplier<T> call) {
        T value;
        try {
            value = call.get();
        } catch (RuntimeException e) {
            if (!(e instanceof MmsearchException) && !(e instanceof io.grpc.StatusRuntimeException)) {
                LOG.warn("inference call failed: {}", e.toString(), e);
            }
            response.onError(GrpcErrors.toStatus(e));
            return;
        }
        response.onNext(value);
        response.onCompleted();
    }
}
