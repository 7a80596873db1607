package dev.mmsearch.grpc;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.grpc.proto.inference.v1.TextSide;
import dev.mmsearch.grpc.proto.preprocess.v1.PreprocessImageRequest;
import dev.mmsearch.grpc.proto.preprocess.v1.PreprocessResponse;
import dev.mmsearch.grpc.proto.preprocess.v1.PreprocessServiceGrpc;
import dev.mmsearch.grpc.proto.preprocess.v1.PreprocessTextRequest;
import dev.mmsearch.image.ClipImagePreprocessor;
import dev.mmsearch.image.ImageLimits;
import dev.mmsearch.image.ImagePreprocessorConfig;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.inference.clip.ClipModel;
import dev.mmsearch.inference.onnx.OnnxTextEncoder;
import dev.mmsearch.inference.onnx.TextTokenizer.TokenizedText;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The PreprocessService RPCs. Texts: the tokenizer of the model's encoder (same prefix, lower-casing
 * and truncation) gives int64 tensors padded with 0 (the attention mask marks padding); all three
 * BERT inputs are returned and a caller feeding Predict passes the ones the graph takes. Images (CLIP
 * models): the same decoding and resize/crop/normalise as the image encoder, as {@code pixel_values}
 * float32 [n, 3, height, width].
 */
final class PreprocessServiceImpl extends PreprocessServiceGrpc.PreprocessServiceImplBase {

    private final ModelRegistry registry;
    /** The same preprocessing the model's image encoder applies (its preprocessor_config.json), per CLIP id. */
    private final Map<String, ClipImagePreprocessor> imagePreprocessors = new ConcurrentHashMap<>();

    PreprocessServiceImpl(ModelRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void preprocessText(PreprocessTextRequest request, StreamObserver<PreprocessResponse> response) {
        InferenceServiceImpl.answer(response, () -> {
            String model = InferenceServiceImpl.requireModel(request.getModel());
            if (request.getSide() != TextSide.TEXT_SIDE_QUERY && request.getSide() != TextSide.TEXT_SIDE_DOCUMENT) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "PreprocessText needs side QUERY or DOCUMENT, got "
                        + request.getSide());
            }
            Function<String, TokenizedText> tokenizer;
            if (registry.isClip(model)) {
                ClipModel clip = registry.clipModel(model); // CLIP has no prefixes: both sides tokenize alike
                tokenizer = clip::tokenize;
            } else if (registry.textEncoder(model) instanceof OnnxTextEncoder onnx) {
                dev.mmsearch.inference.bundle.TextSide side = request.getSide() == TextSide.TEXT_SIDE_QUERY
                        ? dev.mmsearch.inference.bundle.TextSide.QUERY : dev.mmsearch.inference.bundle.TextSide.DOCUMENT;
                tokenizer = text -> onnx.tokenize(text, side);
            } else {
                throw new MmsearchException(ErrorCode.NOT_FOUND, "model '" + model + "' has no text tokenizer that "
                        + "this node can expose");
            }
            List<TokenizedText> tokenized = new ArrayList<>(request.getTextsCount());
            int longest = 0;
            for (String text : request.getTextsList()) {
                TokenizedText t = tokenizer.apply(text);
                tokenized.add(t);
                longest = Math.max(longest, t.length());
            }
            int n = tokenized.size();
            long[] ids = new long[n * longest];
            long[] mask = new long[n * longest];
            long[] types = new long[n * longest];
            PreprocessResponse.Builder out = PreprocessResponse.newBuilder();
            for (int i = 0; i < n; i++) {
                TokenizedText t = tokenized.get(i);
                System.arraycopy(t.ids(), 0, ids, i * longest, t.length());
                System.arraycopy(t.typeIds(), 0, types, i * longest, t.length());
                java.util.Arrays.fill(mask, i * longest, i * longest + t.length(), 1L);
                out.addLengths(t.length());
            }
            return out.putTensors("input_ids", Tensors.int64(ids, n, longest))
                    .putTensors("attention_mask", Tensors.int64(mask, n, longest))
                    .putTensors("token_type_ids", Tensors.int64(types, n, longest))
                    .build();
        });
    }

    @Override
    public void preprocessImage(PreprocessImageRequest request, StreamObserver<PreprocessResponse> response) {
        InferenceServiceImpl.answer(response, () -> {
            String model = InferenceServiceImpl.requireModel(request.getModel());
            registry.manifest(model); // MODEL_NOT_FOUND for unknown ids
            if (!registry.isClip(model)) {
                throw new MmsearchException(ErrorCode.NOT_FOUND, "model '" + model + "' is a text-only model and has "
                        + "no image preprocessor; image preprocessing needs a CLIP model");
            }
            ClipImagePreprocessor preprocessor = imagePreprocessors.computeIfAbsent(model, id -> new ClipImagePreprocessor(
                    ImagePreprocessorConfig.fromJson(registry.clipModel(id).bundle().preprocessorConfigFile()),
                    ImageLimits.defaults()));
            List<byte[]> images = request.getImagesList().stream().map(b -> b.toByteArray()).toList();
            if (images.isEmpty()) {
                throw new MmsearchException(ErrorCode.INVALID_INPUT, "PreprocessImage needs at least one image");
            }
            float[] pixels = preprocessor.batch(images);
            return PreprocessResponse.newBuilder().putTensors("pixel_values", Tensors.float32(pixels, images.size(), 3,
                    preprocessor.height(), preprocessor.width())).build();
        });
    }
}
