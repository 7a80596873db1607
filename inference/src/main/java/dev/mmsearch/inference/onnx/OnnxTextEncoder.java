package dev.mmsearch.inference.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.core.VectorSimilarity;
import dev.mmsearch.inference.bundle.ModelManifest;
import dev.mmsearch.inference.bundle.TextBundle;
import dev.mmsearch.inference.bundle.TextSide;
import dev.mmsearch.inference.onnx.OnnxSupport.TokenBatch;
import dev.mmsearch.inference.onnx.TextTokenizer.TokenizedText;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One generic text encoder for BERT-family ONNX exports: the model is data (a {@link TextBundle}),
 * not code. Owns an ONNX Runtime session and a {@link TextTokenizer}; applies the manifest's
 * prefixes and lower-casing, truncates every input to the model's maximum length (never refuses
 * long input), pads each batch to its longest member, pools (CLS or attention-mask-weighted mean)
 * and L2-normalises.
 *
 * <p>Thread-safe: ONNX Runtime sessions and the tokenizer may be used from many threads at once.
 * {@link #close()} waits for running calls and then frees the native resources.
 */
public final class OnnxTextEncoder implements TextEncoder {

    private static final Logger LOG = LoggerFactory.getLogger(OnnxTextEncoder.class);

    private static final Set<String> KNOWN_INPUTS =
            Set.of(OnnxSupport.INPUT_IDS, OnnxSupport.ATTENTION_MASK, OnnxSupport.TOKEN_TYPE_IDS);
    /** Exports of sentence-transformers models name the per-token output like this instead. */
    private static final String ALTERNATIVE_TOKEN_OUTPUT = "token_embeddings";

    private final String modelId;
    private final ModelManifest.Pooling pooling;
    private final boolean normalize;
    private final ModelManifest manifest;
    private final ModelStamp stamp;
    private final EncoderOptions options;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final TextTokenizer tokenizer;
    private final String outputName;
    private final boolean feedsAttentionMask;
    private final boolean feedsTokenTypeIds;
    private final boolean int32Inputs;
    private final boolean pooledOutput;
    private final ModelLifecycle lifecycle;

    private OnnxTextEncoder(TextBundle bundle, EncoderOptions options, OrtEnvironment environment,
                            OrtSession session, TextTokenizer tokenizer, String checksum) throws OrtException {
        this.options = options;
        this.environment = environment;
        this.session = session;
        this.tokenizer = tokenizer;
        ModelManifest declared = bundle.manifest();
        this.modelId = declared.id();
        this.pooling = declared.pooling();
        this.normalize = declared.normalize();
        this.lifecycle = new ModelLifecycle("model '" + modelId + "'");

        Map<String, NodeInfo> inputs = session.getInputInfo();
        OnnxSupport.requireInput(inputs, OnnxSupport.INPUT_IDS, "", what -> invalidModel(bundle, what));
        OnnxSupport.requireFeedable(inputs, KNOWN_INPUTS, what -> invalidModel(bundle, what));
        this.feedsAttentionMask = inputs.containsKey(OnnxSupport.ATTENTION_MASK);
        this.feedsTokenTypeIds = inputs.containsKey(OnnxSupport.TOKEN_TYPE_IDS);
        this.int32Inputs = OnnxSupport.takesInt32Ids(inputs, what -> invalidModel(bundle, what));

        Map<String, NodeInfo> outputs = session.getOutputInfo();
        String output = declared.outputName();
        if (!outputs.containsKey(output) && output.equals(ModelManifest.TOKEN_OUTPUT)
                && outputs.containsKey(ALTERNATIVE_TOKEN_OUTPUT)) {
            output = ALTERNATIVE_TOKEN_OUTPUT;
        }
        if (!outputs.containsKey(output)) {
            throw invalidModel(bundle, "has no output '" + output + "' (outputs: " + outputs.keySet()
                    + "); set outputName in " + ModelManifest.FILE_NAME);
        }
        this.outputName = output;
        long[] shape = ((TensorInfo) outputs.get(output).getInfo()).getShape();
        if (shape.length == 2) {
            this.pooledOutput = true;
            if (declared.pooling() != ModelManifest.Pooling.NONE) {
                LOG.info("model={} output={} is already pooled; ignoring pooling={}", declared.id(), output,
                        declared.pooling());
            }
        } else if (shape.length == 3) {
            this.pooledOutput = false;
            if (declared.pooling() == ModelManifest.Pooling.NONE) {
                throw invalidModel(bundle, "output '" + output + "' holds one vector per token; "
                        + "pooling must be cls or mean, not none");
            }
        } else {
            throw invalidModel(bundle, "output '" + output + "' has rank " + shape.length + "; expected "
                    + "[batch, tokens, dim] or [batch, dim]");
        }
        int modelDimension = (int) shape[shape.length - 1];
        int dimension = declared.dimension();
        if (modelDimension > 0 && dimension > 0 && modelDimension != dimension) {
            throw invalidModel(bundle, "produces " + modelDimension + "-d vectors but the manifest says "
                    + dimension);
        }
        if (dimension == 0) {
            dimension = modelDimension;
        }
        if (dimension <= 0) {
            // Symbolic output dimension and none in the manifest: ask the model.
            dimension = runBatch(List.of(tokenizer.tokenize("")))[0].length;
        }
        ModelManifest resolved = declared.withDimension(dimension);
        if (pooledOutput && resolved.pooling() != ModelManifest.Pooling.NONE) {
            resolved = new ModelManifest(resolved.id(), resolved.kind(), ModelManifest.Pooling.NONE,
                    resolved.normalize(), resolved.maxSequenceLength(), resolved.queryPrefix(),
                    resolved.documentPrefix(), dimension, output, resolved.lowercase(), resolved.description());
        }
        this.manifest = resolved;
        this.stamp = new ModelStamp(manifest.id(), checksum, dimension, VectorSimilarity.COSINE);
    }

    /**
     * Opens the model: loads the tokenizer and creates the ONNX Runtime session.
     *
     * @throws MmsearchException MODEL_NOT_FOUND when a file is missing, INVALID_ARGUMENT when the
     *                           model does not fit its manifest, INTERNAL when ONNX Runtime fails
     */
    public static OnnxTextEncoder open(TextBundle bundle, EncoderOptions options) {
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(options, "options");
        long start = System.nanoTime();
        String checksum = bundle.checksum();
        ModelManifest manifest = bundle.manifest();
        TextTokenizer tokenizer = TextTokenizer.open(bundle.tokenizerFile(), manifest.maxSequenceLength(),
                manifest.lowercase());
        OnnxTextEncoder encoder = OnnxSupport.openModel(options, bundle.onnxFiles(), tokenizer,
                "model '" + manifest.id() + "' from " + bundle.modelFile(), (environment, sessions) ->
                        new OnnxTextEncoder(bundle, options, environment, sessions.getFirst(), tokenizer, checksum));
        LOG.info("loaded model={} onnx={} dim={} pooling={} maxLength={} threads={} batch={} ms={}",
                encoder.manifest.id(), bundle.modelFile(), encoder.manifest.dimension(),
                encoder.manifest.pooling(), encoder.manifest.maxSequenceLength(), options.intraOpThreads(),
                options.maxBatchSize(), (System.nanoTime() - start) / 1_000_000);
        return encoder;
    }

    /**
     * The manifest as used: dimension resolved from the model when the bundle left it open, pooling
     * {@code NONE} when the model's output is already pooled.
     */
    public ModelManifest manifest() {
        return manifest;
    }

    public EncoderOptions options() {
        return options;
    }

    @Override
    public ModelStamp stamp() {
        return stamp;
    }

    @Override
    public int maxSequenceLength() {
        return manifest.maxSequenceLength();
    }

    @Override
    public float[][] encodeQueries(List<String> queries) {
        return encode(queries, TextSide.QUERY);
    }

    /** Embeds one query; null is refused with INVALID_INPUT. */
    @Override
    public float[] encodeQuery(String query) {
        requireText(query);
        return encode(List.of(query), TextSide.QUERY)[0];
    }

    @Override
    public float[][] encodeDocuments(List<String> documents) {
        return encode(documents, TextSide.DOCUMENT);
    }

    /**
     * Embeds texts of one side, one vector per text, in order. Lists longer than the maximum batch
     * size are sorted by length and sent in several calls (less padding), then put back in order.
     *
     * @throws MmsearchException INVALID_INPUT when the list or one of its texts is null
     */
    public float[][] encode(List<String> texts, TextSide side) {
        List<String> prefixed = withPrefix(texts, side);
        if (prefixed.isEmpty()) {
            return new float[0][];
        }
        return lifecycle.whileOpen(() -> OnnxSupport.inBatches(tokenizer.tokenize(prefixed), options.maxBatchSize(),
                true, this::runBatch));
    }

    /** Tokens the model sees for a document (prefix applied, after truncation). */
    @Override
    public int countTokens(String text) {
        return countTokens(text, TextSide.DOCUMENT);
    }

    /** Tokens the model sees for {@code text} on {@code side} (prefix applied, after truncation). */
    public int countTokens(String text, TextSide side) {
        return tokenize(text, side).length();
    }

    /** The tokens the model sees for {@code text} on {@code side}: prefix, lower-casing, truncation applied. */
    public TokenizedText tokenize(String text, TextSide side) {
        requireText(text);
        return lifecycle.whileOpen(() -> tokenizer.tokenize(manifest.prefix(side) + text));
    }

    private List<String> withPrefix(List<String> texts, TextSide side) {
        if (texts == null) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "the list of texts to encode must not be null");
        }
        String prefix = manifest.prefix(side);
        List<String> prefixed = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            if (text == null) {
                throw new MmsearchException(ErrorCode.INVALID_INPUT,
                        "text #" + i + " to encode is null; pass a string (it may be empty)");
            }
            prefixed.add(prefix.isEmpty() ? text : prefix + text);
        }
        return prefixed;
    }

    private static void requireText(String text) {
        if (text == null) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "text must not be null; pass a string (it may be empty)");
        }
    }

    /** Runs one padded batch through the model and pools it. Caller holds the read lock (or is the constructor). */
    private float[][] runBatch(List<TokenizedText> batch) {
        TokenBatch tokens = TokenBatch.pad(batch, 0);
        try (OnnxSupport.Inputs inputs = new OnnxSupport.Inputs(environment, int32Inputs)) {
            return inputs.tokens(tokens, feedsAttentionMask, feedsTokenTypeIds).run(session, outputName,
                    (data, shape) -> pooledOutput ? copyRows(data, shape) : pool(data, shape, tokens.mask()));
        } catch (OrtException e) {
            throw OnnxSupport.runFailure(e, "model '" + modelId + "' on a batch of " + tokens.describe());
        }
    }

    private float[][] copyRows(FloatBuffer data, long[] shape) {
        float[][] vectors = OnnxSupport.rows(data, (int) shape[0], (int) shape[1]);
        for (float[] vector : vectors) {
            finish(vector);
        }
        return vectors;
    }

    private float[][] pool(FloatBuffer data, long[] shape, long[] mask) {
        int batchSize = (int) shape[0];
        int length = (int) shape[1];
        int dimension = (int) shape[2];
        float[][] vectors = new float[batchSize][dimension];
        for (int b = 0; b < batchSize; b++) {
            float[] vector = vectors[b];
            int base = b * length * dimension;
            if (pooling == ModelManifest.Pooling.CLS) {
                data.get(base, vector);
            } else {
                double[] sum = new double[dimension];
                float[] row = new float[dimension];
                int count = 0;
                for (int t = 0; t < length; t++) {
                    if (mask[b * length + t] == 0) {
                        continue;
                    }
                    data.get(base + t * dimension, row);
                    for (int d = 0; d < dimension; d++) {
                        sum[d] += row[d];
                    }
                    count++;
                }
                for (int d = 0; d < dimension; d++) {
                    vector[d] = (float) (sum[d] / Math.max(count, 1));
                }
            }
            finish(vector);
        }
        return vectors;
    }

    private void finish(float[] vector) {
        if (!normalize) {
            return;
        }
        double norm = 0;
        for (float v : vector) {
            norm += (double) v * v;
        }
        norm = Math.sqrt(norm);
        if (norm > 1e-12) {
            for (int d = 0; d < vector.length; d++) {
                vector[d] = (float) (vector[d] / norm);
            }
        }
    }

    private static MmsearchException invalidModel(TextBundle bundle, String what) {
        return new MmsearchException(ErrorCode.INVALID_ARGUMENT,
                "model '" + bundle.manifest().id() + "' (" + bundle.modelFile() + ") " + what);
    }

    /** Waits for running calls, then releases the ONNX Runtime session and the tokenizer. Idempotent. */
    @Override
    public void close() {
        if (lifecycle.close(() -> {
            OnnxSupport.closeQuietly(List.of(session));
            tokenizer.close();
        })) {
            LOG.debug("closed model={}", manifest.id());
        }
    }

    @Override
    public String toString() {
        return "OnnxTextEncoder[" + stamp.describe() + "]";
    }
}
