package dev.mmsearch.inference.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
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
import dev.mmsearch.inference.onnx.TextTokenizer.TokenizedText;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
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

    static final String INPUT_IDS = "input_ids";
    static final String ATTENTION_MASK = "attention_mask";
    static final String TOKEN_TYPE_IDS = "token_type_ids";
    private static final Set<String> KNOWN_INPUTS = Set.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS);
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
    private final Set<String> outputNames;
    private final boolean feedsAttentionMask;
    private final boolean feedsTokenTypeIds;
    private final boolean int32Inputs;
    private final boolean pooledOutput;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

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

        Map<String, NodeInfo> inputs = session.getInputInfo();
        if (!inputs.containsKey(INPUT_IDS)) {
            throw invalidModel(bundle, "has no input '" + INPUT_IDS + "' (inputs: " + inputs.keySet() + ")");
        }
        for (String input : inputs.keySet()) {
            if (!KNOWN_INPUTS.contains(input)) {
                throw invalidModel(bundle, "needs input '" + input + "'; only " + KNOWN_INPUTS + " can be fed");
            }
        }
        this.feedsAttentionMask = inputs.containsKey(ATTENTION_MASK);
        this.feedsTokenTypeIds = inputs.containsKey(TOKEN_TYPE_IDS);
        OnnxJavaType idType = ((TensorInfo) inputs.get(INPUT_IDS).getInfo()).type;
        if (idType != OnnxJavaType.INT64 && idType != OnnxJavaType.INT32) {
            throw invalidModel(bundle, "takes " + idType + " input ids; only int64 and int32 are supported");
        }
        this.int32Inputs = idType == OnnxJavaType.INT32;

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
        this.outputNames = Set.of(output);
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
        OrtSession session = null;
        try {
            OrtEnvironment environment = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions sessionOptions = options.newSessionOptions()) {
                session = environment.createSession(bundle.modelFile().toString(), sessionOptions);
            }
            OnnxTextEncoder encoder = new OnnxTextEncoder(bundle, options, environment, session, tokenizer, checksum);
            LOG.info("loaded model={} onnx={} dim={} pooling={} maxLength={} threads={} batch={} ms={}",
                    encoder.manifest.id(), bundle.modelFile(), encoder.manifest.dimension(),
                    encoder.manifest.pooling(), encoder.manifest.maxSequenceLength(), options.intraOpThreads(),
                    options.maxBatchSize(), (System.nanoTime() - start) / 1_000_000);
            return encoder;
        } catch (OrtException | RuntimeException e) {
            tokenizer.close();
            closeQuietly(session);
            if (e instanceof MmsearchException me) {
                throw me;
            }
            throw new MmsearchException(ErrorCode.INTERNAL, "ONNX Runtime cannot load model '" + manifest.id()
                    + "' from " + bundle.modelFile() + ": " + e.getMessage(), e);
        }
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
        int n = prefixed.size();
        float[][] vectors = new float[n][];
        if (n == 0) {
            return vectors;
        }
        Lock lock = lifecycle.readLock();
        lock.lock();
        try {
            requireOpen();
            List<TokenizedText> tokenized = tokenizer.tokenize(prefixed);
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            int batchSize = options.maxBatchSize();
            if (n > batchSize) {
                Arrays.sort(order, Comparator.comparingInt(i -> tokenized.get(i).length()));
            }
            for (int from = 0; from < n; from += batchSize) {
                int to = Math.min(n, from + batchSize);
                List<TokenizedText> batch = new ArrayList<>(to - from);
                for (int k = from; k < to; k++) {
                    batch.add(tokenized.get(order[k]));
                }
                float[][] batchVectors = runBatch(batch);
                for (int k = from; k < to; k++) {
                    vectors[order[k]] = batchVectors[k - from];
                }
            }
        } finally {
            lock.unlock();
        }
        return vectors;
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
        Lock lock = lifecycle.readLock();
        lock.lock();
        try {
            requireOpen();
            return tokenizer.tokenize(manifest.prefix(side) + text);
        } finally {
            lock.unlock();
        }
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
        int batchSize = batch.size();
        int length = 0;
        for (TokenizedText t : batch) {
            length = Math.max(length, t.length());
        }
        long[] ids = new long[batchSize * length];
        long[] mask = new long[batchSize * length];
        long[] types = new long[batchSize * length];
        for (int b = 0; b < batchSize; b++) {
            TokenizedText t = batch.get(b);
            System.arraycopy(t.ids(), 0, ids, b * length, t.length());
            System.arraycopy(t.typeIds(), 0, types, b * length, t.length());
            Arrays.fill(mask, b * length, b * length + t.length(), 1L);
        }
        long[] shape = {batchSize, length};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put(INPUT_IDS, tensor(ids, shape));
            if (feedsAttentionMask) {
                inputs.put(ATTENTION_MASK, tensor(mask, shape));
            }
            if (feedsTokenTypeIds) {
                inputs.put(TOKEN_TYPE_IDS, tensor(types, shape));
            }
            try (OrtSession.Result result = session.run(inputs, outputNames)) {
                OnnxValue value = result.get(outputName).orElseThrow();
                OnnxTensor output = (OnnxTensor) value;
                long[] outShape = output.getInfo().getShape();
                FloatBuffer data = output.getFloatBuffer();
                return pooledOutput ? copyRows(data, outShape) : pool(data, outShape, mask);
            }
        } catch (OrtException e) {
            throw new MmsearchException(ErrorCode.INTERNAL, "ONNX Runtime failed to run model '" + modelId
                    + "' on a batch of " + batchSize + " x " + length + " tokens: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private OnnxTensor tensor(long[] values, long[] shape) throws OrtException {
        if (int32Inputs) {
            int[] narrow = new int[values.length];
            for (int i = 0; i < values.length; i++) {
                narrow[i] = Math.toIntExact(values[i]);
            }
            return OnnxTensor.createTensor(environment, IntBuffer.wrap(narrow), shape);
        }
        return OnnxTensor.createTensor(environment, LongBuffer.wrap(values), shape);
    }

    private float[][] copyRows(FloatBuffer data, long[] shape) {
        int batchSize = (int) shape[0];
        int dimension = (int) shape[1];
        float[][] vectors = new float[batchSize][dimension];
        for (int b = 0; b < batchSize; b++) {
            data.get(b * dimension, vectors[b]);
            finish(vectors[b]);
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

    private void requireOpen() {
        if (closed) {
            throw new MmsearchException(ErrorCode.NOT_READY, "model '" + modelId + "' has been closed");
        }
    }

    private static MmsearchException invalidModel(TextBundle bundle, String what) {
        return new MmsearchException(ErrorCode.INVALID_ARGUMENT,
                "model '" + bundle.manifest().id() + "' (" + bundle.modelFile() + ") " + what);
    }

    private static void closeQuietly(OrtSession session) {
        if (session != null) {
            try {
                session.close();
            } catch (OrtException e) {
                LOG.warn("closing ONNX Runtime session failed: {}", e.getMessage());
            }
        }
    }

    /** Waits for running calls, then releases the ONNX Runtime session and the tokenizer. Idempotent. */
    @Override
    public void close() {
        Lock lock = lifecycle.writeLock();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            closeQuietly(session);
            tokenizer.close();
            LOG.debug("closed model={}", manifest.id());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "OnnxTextEncoder[" + stamp.describe() + "]";
    }
}
