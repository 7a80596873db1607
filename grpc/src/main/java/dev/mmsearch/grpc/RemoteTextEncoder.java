package dev.mmsearch.grpc;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.grpc.proto.inference.v1.EncodeResponse;
import dev.mmsearch.grpc.proto.inference.v1.EncodeTextRequest;
import dev.mmsearch.grpc.proto.inference.v1.TextSide;
import dev.mmsearch.grpc.proto.preprocess.v1.PreprocessTextRequest;
import java.util.List;

/**
 * A {@link TextEncoder} whose model runs on inference nodes (EncodeText). Vectors are the ones the
 * node's in-process encoder produces, bit for bit. {@link #countTokens} asks the node's tokenizer
 * (PreprocessText), so it is one round trip per call: callers that count many texts should batch
 * by characters instead. Thread-safe; closing it is a no-op (the provider owns the connection).
 */
public final class RemoteTextEncoder implements TextEncoder {

    private final RemoteEncoderProvider provider;
    private final ModelStamp stamp;
    private final int maxSequenceLength;

    RemoteTextEncoder(RemoteEncoderProvider provider, ModelStamp stamp, int maxSequenceLength) {
        this.provider = provider;
        this.stamp = stamp;
        this.maxSequenceLength = maxSequenceLength;
    }

    @Override
    public ModelStamp stamp() {
        return stamp;
    }

    @Override
    public int maxSequenceLength() {
        return maxSequenceLength;
    }

    @Override
    public float[][] encodeQueries(List<String> queries) {
        return encode(queries, TextSide.TEXT_SIDE_QUERY);
    }

    @Override
    public float[][] encodeDocuments(List<String> documents) {
        return encode(documents, TextSide.TEXT_SIDE_DOCUMENT);
    }

    @Override
    public float[] encodeQuery(String query) {
        return encode(java.util.Collections.singletonList(query), TextSide.TEXT_SIDE_QUERY)[0];
    }

    @Override
    public int countTokens(String text) {
        checked(java.util.Collections.singletonList(text));
        return provider.callPreprocess("PreprocessText model=" + stamp.modelId(), s -> s.preprocessText(
                PreprocessTextRequest.newBuilder().setModel(stamp.modelId()).addTexts(text)
                        .setSide(TextSide.TEXT_SIDE_DOCUMENT).build())).getLengths(0);
    }

    /** One PreprocessText call for all texts (the indexer counts a whole window before it sorts it). */
    @Override
    public int[] countTokens(List<String> texts) {
        checked(texts);
        if (texts.isEmpty()) {
            return new int[0];
        }
        List<Integer> lengths = provider.callPreprocess("PreprocessText model=" + stamp.modelId(), s -> s.preprocessText(
                PreprocessTextRequest.newBuilder().setModel(stamp.modelId()).addAllTexts(texts)
                        .setSide(TextSide.TEXT_SIDE_DOCUMENT).build())).getLengthsList();
        if (lengths.size() != texts.size()) {
            throw new MmsearchException(ErrorCode.INTERNAL, "inference node returned " + lengths.size()
                    + " token counts for " + texts.size() + " texts (model " + stamp.modelId() + ")");
        }
        return lengths.stream().mapToInt(Integer::intValue).toArray();
    }

    private float[][] encode(List<String> texts, TextSide side) {
        checked(texts);
        if (texts.isEmpty()) {
            return new float[0][];
        }
        EncodeTextRequest request = EncodeTextRequest.newBuilder().setModel(stamp.modelId()).addAllTexts(texts)
                .setSide(side).build();
        EncodeResponse response = provider.call("EncodeText model=" + stamp.modelId(), provider.options().deadline(),
                s -> s.encodeText(request));
        return rows(response, texts.size(), stamp);
    }

    private static void checked(List<String> texts) {
        if (texts == null) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "the list of texts to encode must not be null");
        }
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i) == null) {
                throw new MmsearchException(ErrorCode.INVALID_INPUT,
                        "text #" + i + " to encode is null; pass a string (it may be empty)");
            }
        }
    }

    /** Splits a response into {@code expected} vectors, checking count and dimension against the stamp. */
    static float[][] rows(EncodeResponse response, int expected, ModelStamp stamp) {
        int dimension = response.getDimension();
        if (response.getCount() != expected || dimension != stamp.dimension()
                || response.getValuesCount() != expected * dimension) {
            throw new MmsearchException(ErrorCode.INTERNAL, "inference node answered " + response.getCount() + " x "
                    + dimension + " values for " + expected + " inputs of model " + stamp.describe()
                    + "; do all inference nodes serve the same model version?");
        }
        float[][] vectors = new float[expected][dimension];
        for (int i = 0; i < expected; i++) {
            for (int d = 0; d < dimension; d++) {
                vectors[i][d] = response.getValues(i * dimension + d);
            }
        }
        return vectors;
    }

    @Override
    public void close() {
        // The provider owns the channel.
    }

    @Override
    public String toString() {
        return "RemoteTextEncoder[" + stamp.describe() + "]";
    }
}
