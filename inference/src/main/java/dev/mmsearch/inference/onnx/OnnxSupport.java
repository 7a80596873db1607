package dev.mmsearch.inference.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.inference.onnx.TextTokenizer.TokenizedText;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ONNX Runtime plumbing of every model mmsearch runs ({@link OnnxTextEncoder}, the two towers of a
 * {@code ClipModel}): sessions opened with {@link EncoderOptions#newSessionOptions()}, checks of a session's inputs,
 * token batches padded and fed as id tensors of the type the model takes (int64, or int32 narrowed), float rows read
 * back from an output, and texts sent in batches. Errors about a model are built by the caller's {@code invalid}
 * function or {@code what} text, so each message names the model the way its owner does.
 */
public final class OnnxSupport {

    private static final Logger LOG = LoggerFactory.getLogger(OnnxSupport.class);

    /** Token ids input of transformer exports. */
    public static final String INPUT_IDS = "input_ids";
    /** Attention mask input (1 for a token, 0 for padding). */
    public static final String ATTENTION_MASK = "attention_mask";
    /** Segment ids input of BERT-style exports. */
    public static final String TOKEN_TYPE_IDS = "token_type_ids";

    private OnnxSupport() {
    }

    /** Builds a model from its open sessions (one per file, in order). */
    @FunctionalInterface
    public interface ModelFactory<T> {
        T create(OrtEnvironment environment, List<OrtSession> sessions) throws OrtException;
    }

    /**
     * Opens one session per file, all with {@code options}, and builds the model from them. When anything fails,
     * closes the sessions and {@code owned} (e.g. the tokenizer the model would have owned) and throws: an
     * {@link MmsearchException} as it is, anything else as INTERNAL "ONNX Runtime cannot load {@code what}: ...".
     */
    public static <T> T openModel(EncoderOptions options, List<Path> files, AutoCloseable owned, String what,
                                  ModelFactory<T> factory) {
        List<OrtSession> sessions = new ArrayList<>(files.size());
        try {
            OrtEnvironment environment = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions sessionOptions = options.newSessionOptions()) {
                for (Path file : files) {
                    sessions.add(environment.createSession(file.toString(), sessionOptions));
                }
            }
            return factory.create(environment, List.copyOf(sessions));
        } catch (OrtException | RuntimeException e) {
            closeQuietly(owned);
            closeQuietly(sessions);
            if (e instanceof MmsearchException me) {
                throw me;
            }
            throw new MmsearchException(ErrorCode.INTERNAL, "ONNX Runtime cannot load " + what + ": " + e.getMessage(),
                    e);
        }
    }

    /** Closes each distinct session, logging (not throwing) failures. */
    public static void closeQuietly(List<OrtSession> sessions) {
        sessions.stream().distinct().forEach(OnnxSupport::closeQuietly);
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            LOG.warn("closing {} failed: {}", resource.getClass().getSimpleName(), e.toString());
        }
    }

    /** Refuses (with {@code invalid}) a model that lacks input {@code name}: "{@code where}has no input ...". */
    public static void requireInput(Map<String, NodeInfo> inputs, String name, String where,
                                    Function<String, MmsearchException> invalid) {
        if (!inputs.containsKey(name)) {
            throw invalid.apply(where + "has no input '" + name + "' (inputs: " + inputs.keySet() + ")");
        }
    }

    /** Refuses (with {@code invalid}) a model that needs an input this code cannot feed. */
    public static void requireFeedable(Map<String, NodeInfo> inputs, Set<String> feedable,
                                       Function<String, MmsearchException> invalid) {
        for (String input : inputs.keySet()) {
            if (!feedable.contains(input)) {
                throw invalid.apply("needs input '" + input + "'; only " + feedable + " can be fed");
            }
        }
    }

    /**
     * Whether the model's {@value #INPUT_IDS} (present) are int32 rather than int64; refuses other types with
     * {@code invalid}.
     */
    public static boolean takesInt32Ids(Map<String, NodeInfo> inputs, Function<String, MmsearchException> invalid) {
        OnnxJavaType idType = ((TensorInfo) inputs.get(INPUT_IDS).getInfo()).type;
        if (idType != OnnxJavaType.INT64 && idType != OnnxJavaType.INT32) {
            throw invalid.apply("takes " + idType + " input ids; only int64 and int32 are supported");
        }
        return idType == OnnxJavaType.INT32;
    }

    /** The declared shape of a session's tensor output, or null when it has no output {@code name}. */
    public static long[] outputShape(OrtSession session, String name) throws OrtException {
        NodeInfo info = session.getOutputInfo().get(name);
        return info == null ? null : ((TensorInfo) info.getInfo()).getShape();
    }

    /** What a failed run throws: INTERNAL "ONNX Runtime failed to run {@code what}: ...". */
    public static MmsearchException runFailure(OrtException e, String what) {
        return new MmsearchException(ErrorCode.INTERNAL, "ONNX Runtime failed to run " + what + ": " + e.getMessage(),
                e);
    }

    /** Copies {@code rows} rows of {@code dimension} floats out of a row-major {@code [rows, dimension]} output. */
    public static float[][] rows(FloatBuffer data, int rows, int dimension) {
        float[][] vectors = new float[rows][dimension];
        for (int r = 0; r < rows; r++) {
            data.get(r * dimension, vectors[r]);
        }
        return vectors;
    }

    /**
     * Runs tokenized texts through {@code run} in batches of at most {@code batchSize} and returns its vectors in the
     * order of {@code texts}. With {@code byLength}, a list longer than one batch is first sorted by token count, so
     * each batch holds texts of similar length (less padding).
     */
    public static float[][] inBatches(List<TokenizedText> texts, int batchSize, boolean byLength,
                                      Function<List<TokenizedText>, float[][]> run) {
        int n = texts.size();
        float[][] vectors = new float[n][];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (byLength && n > batchSize) {
            Arrays.sort(order, Comparator.comparingInt(i -> texts.get(i).length()));
        }
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(n, from + batchSize);
            List<TokenizedText> batch = new ArrayList<>(to - from);
            for (int k = from; k < to; k++) {
                batch.add(texts.get(order[k]));
            }
            float[][] batchVectors = run.apply(batch);
            for (int k = from; k < to; k++) {
                vectors[order[k]] = batchVectors[k - from];
            }
        }
        return vectors;
    }

    /** Reads a float output: its data and its actual shape. */
    @FunctionalInterface
    public interface OutputReader<T> {
        T read(FloatBuffer data, long[] shape);
    }

    /** The input tensors of one run, built here and closed together. */
    public static final class Inputs implements AutoCloseable {
        private final OrtEnvironment environment;
        private final boolean int32Ids;
        private final Map<String, OnnxTensor> tensors = new HashMap<>();

        /** @param int32Ids whether the model's integer inputs are int32 (see {@link #takesInt32Ids}) */
        public Inputs(OrtEnvironment environment, boolean int32Ids) {
            this.environment = environment;
            this.int32Ids = int32Ids;
        }

        /**
         * Feeds {@code batch}: {@value #INPUT_IDS}, and {@value #ATTENTION_MASK} / {@value #TOKEN_TYPE_IDS} when
         * the model takes them.
         */
        public Inputs tokens(TokenBatch batch, boolean mask, boolean typeIds) throws OrtException {
            ids(INPUT_IDS, batch.ids(), batch.shape());
            if (mask) {
                ids(ATTENTION_MASK, batch.mask(), batch.shape());
            }
            if (typeIds) {
                ids(TOKEN_TYPE_IDS, batch.typeIds(), batch.shape());
            }
            return this;
        }

        /** Feeds an integer tensor: int64 as given, or narrowed to int32 for a model that takes int32. */
        public Inputs ids(String name, long[] values, long[] shape) throws OrtException {
            OnnxTensor tensor;
            if (int32Ids) {
                int[] narrow = new int[values.length];
                for (int i = 0; i < values.length; i++) {
                    narrow[i] = Math.toIntExact(values[i]);
                }
                tensor = OnnxTensor.createTensor(environment, IntBuffer.wrap(narrow), shape);
            } else {
                tensor = OnnxTensor.createTensor(environment, LongBuffer.wrap(values), shape);
            }
            return put(name, tensor);
        }

        /** Feeds a float tensor. */
        public Inputs floats(String name, float[] values, long[] shape) throws OrtException {
            return put(name, OnnxTensor.createTensor(environment, FloatBuffer.wrap(values), shape));
        }

        private Inputs put(String name, OnnxTensor tensor) {
            OnnxTensor previous = tensors.put(name, tensor);
            if (previous != null) {
                previous.close();
            }
            return this;
        }

        /** Runs {@code session} on these inputs and reads its float output {@code output} while the result is open. */
        public <T> T run(OrtSession session, String output, OutputReader<T> reader) throws OrtException {
            try (OrtSession.Result result = session.run(tensors, Set.of(output))) {
                OnnxTensor tensor = (OnnxTensor) result.get(output).orElseThrow();
                return reader.read(tensor.getFloatBuffer(), tensor.getInfo().getShape());
            }
        }

        @Override
        public void close() {
            tensors.values().forEach(OnnxTensor::close);
            tensors.clear();
        }
    }

    /**
     * Tokenized texts padded to their longest member, row-major: {@code ids} (padding {@code padId}), {@code mask}
     * (1 for a token, 0 for padding) and {@code typeIds} (padding 0), each {@code rows * length} long.
     */
    public record TokenBatch(int rows, int length, long[] ids, long[] mask, long[] typeIds) {

        /** Pads {@code batch} with {@code padId}. */
        public static TokenBatch pad(List<TokenizedText> batch, long padId) {
            int rows = batch.size();
            int length = 0;
            for (TokenizedText t : batch) {
                length = Math.max(length, t.length());
            }
            long[] ids = new long[rows * length];
            long[] mask = new long[rows * length];
            long[] types = new long[rows * length];
            if (padId != 0) {
                Arrays.fill(ids, padId);
            }
            for (int b = 0; b < rows; b++) {
                TokenizedText t = batch.get(b);
                System.arraycopy(t.ids(), 0, ids, b * length, t.length());
                System.arraycopy(t.typeIds(), 0, types, b * length, t.length());
                Arrays.fill(mask, b * length, b * length + t.length(), 1L);
            }
            return new TokenBatch(rows, length, ids, mask, types);
        }

        /** {@code {rows, length}}. */
        public long[] shape() {
            return new long[] {rows, length};
        }

        /** "{@code rows} x {@code length} tokens", for messages. */
        public String describe() {
            return rows + " x " + length + " tokens";
        }
    }
}
