package dev.mmsearch.inference.clip;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.VectorSimilarity;
import dev.mmsearch.image.ClipImagePreprocessor;
import dev.mmsearch.image.ImageLimits;
import dev.mmsearch.image.ImagePreprocessorConfig;
import dev.mmsearch.inference.bundle.ClipBundle;
import dev.mmsearch.inference.onnx.EncoderOptions;
import dev.mmsearch.inference.onnx.ModelLifecycle;
import dev.mmsearch.inference.onnx.OnnxSupport;
import dev.mmsearch.inference.onnx.OnnxSupport.TokenBatch;
import dev.mmsearch.inference.onnx.TextTokenizer;
import dev.mmsearch.inference.onnx.TextTokenizer.TokenizedText;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loaded CLIP model: the text tower, the vision tower (one or two ONNX Runtime sessions, see
 * {@link ClipBundle}), the CLIP tokenizer and the image preprocessing of its
 * {@code preprocessor_config.json}. Embeddings are L2-normalised, so cosine similarity is a dot
 * product; the dimension is read from the model's outputs. {@link #textEncoder()} and
 * {@link #imageEncoder()} are views that share this model and report the same {@link ModelStamp}
 * (SHA-256 over the ONNX files, so text queries are only ever compared with image vectors of the
 * very same weights).
 *
 * <p>Thread-safe. {@link #close()} waits for running calls, then frees the native resources; closing
 * either view closes the model.
 */
public final class ClipModel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClipModel.class);

    private static final String PIXEL_VALUES = "pixel_values";
    private static final Set<String> FEEDABLE =
            Set.of(OnnxSupport.INPUT_IDS, OnnxSupport.ATTENTION_MASK, PIXEL_VALUES);

    private final ClipBundle bundle;
    private final EncoderOptions options;
    private final OrtEnvironment environment;
    private final OrtSession textSession;
    private final OrtSession visionSession;
    private final TextTokenizer tokenizer;
    private final ClipImagePreprocessor preprocessor;
    private final boolean textFeedsMask;
    private final boolean visionFeedsMask;
    private final boolean int32Ids;
    private final long padId;
    private final long[] placeholderIds;
    private final int dimension;
    private final ModelStamp stamp;
    private final ClipTextEncoder textEncoder;
    private final ClipImageEncoder imageEncoder;
    private final ModelLifecycle lifecycle;

    private ClipModel(ClipBundle bundle, EncoderOptions options, OrtEnvironment environment, OrtSession textSession,
                      OrtSession visionSession, TextTokenizer tokenizer, ClipImagePreprocessor preprocessor,
                      String checksum) throws OrtException {
        this.bundle = bundle;
        this.lifecycle = new ModelLifecycle("CLIP model '" + bundle.id() + "'");
        this.options = options;
        this.environment = environment;
        this.textSession = textSession;
        this.visionSession = visionSession;
        this.tokenizer = tokenizer;
        this.preprocessor = preprocessor;

        Map<String, NodeInfo> textInputs = textSession.getInputInfo();
        Map<String, NodeInfo> visionInputs = visionSession.getInputInfo();
        OnnxSupport.requireInput(textInputs, OnnxSupport.INPUT_IDS, bundle.textModelFile().getFileName() + " ",
                this::invalid);
        OnnxSupport.requireInput(visionInputs, PIXEL_VALUES, bundle.visionModelFile().getFileName() + " ",
                this::invalid);
        OnnxSupport.requireFeedable(textInputs, FEEDABLE, this::invalid);
        OnnxSupport.requireFeedable(visionInputs, FEEDABLE, this::invalid);
        this.textFeedsMask = textInputs.containsKey(OnnxSupport.ATTENTION_MASK);
        this.visionFeedsMask = visionInputs.containsKey(OnnxSupport.ATTENTION_MASK);
        this.int32Ids = OnnxSupport.takesInt32Ids(textInputs, this::invalid);
        long[] pixelShape = ((TensorInfo) visionInputs.get(PIXEL_VALUES).getInfo()).getShape();
        if (pixelShape.length != 4 || (pixelShape[1] > 0 && pixelShape[1] != 3)) {
            throw invalid("input '" + PIXEL_VALUES + "' has shape " + Arrays.toString(pixelShape)
                    + "; expected [batch, 3, height, width]");
        }
        if ((pixelShape[2] > 0 && pixelShape[2] != preprocessor.height())
                || (pixelShape[3] > 0 && pixelShape[3] != preprocessor.width())) {
            throw invalid("takes " + pixelShape[2] + "x" + pixelShape[3] + " images but "
                    + bundle.preprocessorConfigFile().getFileName() + " produces " + preprocessor.height() + "x"
                    + preprocessor.width());
        }

        // The tokenizer's own tokens for "" are [start, end]: a valid placeholder text, and its end token pads.
        long[] empty = tokenizer.tokenize("").ids();
        this.placeholderIds = empty;
        this.padId = bundle.padTokenId() >= 0 ? bundle.padTokenId() : empty[empty.length - 1];

        int textDim = outputDimension(textSession, ClipBundle.TEXT_EMBEDS, bundle.textModelFile());
        int imageDim = outputDimension(visionSession, ClipBundle.IMAGE_EMBEDS, bundle.visionModelFile());
        if (textDim <= 0) {
            textDim = runText(List.of(tokenizer.tokenize("")))[0].length;
        }
        if (imageDim <= 0) {
            imageDim = runVision(new float[3 * preprocessor.height() * preprocessor.width()], 1)[0].length;
        }
        if (textDim != imageDim) {
            throw invalid("embeds text in " + textDim + " dimensions but images in " + imageDim
                    + "; the two towers must share one space");
        }
        this.dimension = textDim;
        this.stamp = new ModelStamp(bundle.id(), checksum, dimension, VectorSimilarity.COSINE);
        this.textEncoder = new ClipTextEncoder(this);
        this.imageEncoder = new ClipImageEncoder(this);
    }

    /** Opens the model with the default image limits; see {@link #open(ClipBundle, EncoderOptions, ImageLimits)}. */
    public static ClipModel open(ClipBundle bundle, EncoderOptions options) {
        return open(bundle, options, ImageLimits.defaults());
    }

    /**
     * Opens the model: hashes the ONNX files, loads tokenizer and image preprocessing, creates the sessions.
     *
     * @param limits byte and pixel limits for every image this model decodes
     * @throws MmsearchException MODEL_NOT_FOUND when a file is missing, INVALID_ARGUMENT when the model
     *                           does not have CLIP's inputs/outputs, INTERNAL when ONNX Runtime fails
     */
    public static ClipModel open(ClipBundle bundle, EncoderOptions options, ImageLimits limits) {
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(limits, "limits");
        long start = System.nanoTime();
        String checksum = bundle.checksum();
        ClipImagePreprocessor preprocessor = new ClipImagePreprocessor(
                ImagePreprocessorConfig.fromJson(bundle.preprocessorConfigFile()), limits);
        TextTokenizer tokenizer = TextTokenizer.open(bundle.tokenizerFile(), bundle.maxSequenceLength(), false);
        // One session per distinct file: a combined export's single session serves both towers.
        ClipModel model = OnnxSupport.openModel(options, bundle.onnxFiles(), tokenizer,
                "CLIP model '" + bundle.id() + "' from " + bundle.directory(), (environment, sessions) ->
                        new ClipModel(bundle, options, environment, sessions.getFirst(), sessions.getLast(), tokenizer,
                                preprocessor, checksum));
        LOG.info("loaded clip model={} files={} dim={} image={}x{} maxLength={} threads={} ms={}", bundle.id(),
                bundle.onnxFiles().size(), model.dimension, preprocessor.height(), preprocessor.width(),
                bundle.maxSequenceLength(), options.intraOpThreads(), (System.nanoTime() - start) / 1_000_000);
        return model;
    }

    /** Opens {@code dir} (see {@link ClipBundle#load(Path)}) with the given options and default image limits. */
    public static ClipModel open(Path dir, EncoderOptions options) {
        return open(ClipBundle.load(dir), options);
    }

    public ClipBundle bundle() {
        return bundle;
    }

    /** Model id, SHA-256 over the ONNX file(s) (text tower first), dimension, cosine. */
    public ModelStamp stamp() {
        return stamp;
    }

    public int dimension() {
        return dimension;
    }

    /** Longest text in tokens (start and end tokens included); longer text is truncated, keeping the end token. */
    public int maxSequenceLength() {
        return bundle.maxSequenceLength();
    }

    /** Image side lengths the vision tower sees: {height, width}. */
    public int[] imageSize() {
        return new int[] {preprocessor.height(), preprocessor.width()};
    }

    /** The text tower as a {@link dev.mmsearch.core.TextEncoder} (same for queries and documents). */
    public ClipTextEncoder textEncoder() {
        return textEncoder;
    }

    /** The vision tower as a {@link dev.mmsearch.core.ImageEncoder}. */
    public ClipImageEncoder imageEncoder() {
        return imageEncoder;
    }

    /** The tokens the text tower sees for {@code text} (start/end tokens added, truncated). */
    public TokenizedText tokenize(String text) {
        requireText(text, 0);
        return lifecycle.whileOpen(() -> tokenizer.tokenize(text));
    }

    /**
     * Embeds texts, one L2-normalised vector each, in order; batches of at most
     * {@link EncoderOptions#maxBatchSize()}, each padded to its longest member.
     *
     * @throws MmsearchException INVALID_INPUT when the list or a text is null
     */
    public float[][] encodeTexts(List<String> texts) {
        if (texts == null) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "the list of texts to encode must not be null");
        }
        for (int i = 0; i < texts.size(); i++) {
            requireText(texts.get(i), i);
        }
        if (texts.isEmpty()) {
            return new float[0][];
        }
        return lifecycle.whileOpen(() -> OnnxSupport.inBatches(tokenizer.tokenize(texts), options.maxBatchSize(),
                false, batch -> normalize(runText(batch))));
    }

    /**
     * Embeds encoded image files (JPEG, PNG, ...), one L2-normalised vector each, in order.
     *
     * @throws MmsearchException INVALID_INPUT for a null list or image; UNSUPPORTED_MEDIA_TYPE for an
     *                           unreadable/corrupt/unknown format and PAYLOAD_TOO_LARGE over the limits (both
     *                           naming the image's index)
     */
    public float[][] encodeImages(List<byte[]> encodedImages) {
        if (encodedImages == null) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "the list of images to encode must not be null");
        }
        for (int i = 0; i < encodedImages.size(); i++) {
            if (encodedImages.get(i) == null) {
                throw new MmsearchException(ErrorCode.INVALID_INPUT, "image " + i + " to encode is null");
            }
        }
        if (encodedImages.isEmpty()) {
            return new float[0][];
        }
        return lifecycle.whileOpen(() -> {
            float[][] vectors = new float[encodedImages.size()][];
            int batchSize = options.maxBatchSize();
            for (int from = 0; from < encodedImages.size(); from += batchSize) {
                int to = Math.min(encodedImages.size(), from + batchSize);
                float[] pixels;
                try {
                    pixels = preprocessor.batch(encodedImages.subList(from, to));
                } catch (MmsearchException e) {
                    if (from == 0) {
                        throw e;
                    }
                    throw new MmsearchException(e.code(), "batch starting at image " + from + ": " + e.getMessage(), e);
                }
                float[][] batch = normalize(runVision(pixels, to - from));
                System.arraycopy(batch, 0, vectors, from, to - from);
            }
            return vectors;
        });
    }

    /**
     * Embeds already preprocessed pixels (NCHW float32, {@code count * 3 * height * width} values, as
     * produced by {@link ClipImagePreprocessor}); L2-normalised. For parity tests and the gRPC tensor path.
     */
    public float[][] encodePixels(float[] pixelValues, int count) {
        Objects.requireNonNull(pixelValues, "pixelValues");
        int plane = 3 * preprocessor.height() * preprocessor.width();
        if (count < 1 || pixelValues.length != (long) count * plane) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "expected " + count + " x 3 x " + preprocessor.height()
                    + " x " + preprocessor.width() + " = " + ((long) count * plane) + " pixel values, got "
                    + pixelValues.length);
        }
        return lifecycle.whileOpen(() -> normalize(runVision(pixelValues, count)));
    }

    /** Raw (not normalised) text tower output for one padded batch. */
    private float[][] runText(List<TokenizedText> batch) {
        TokenBatch tokens = TokenBatch.pad(batch, padId);
        try (OnnxSupport.Inputs inputs = new OnnxSupport.Inputs(environment, int32Ids)) {
            inputs.tokens(tokens, textFeedsMask, false);
            if (bundle.combined()) {
                int h = preprocessor.height();
                int w = preprocessor.width();
                inputs.floats(PIXEL_VALUES, new float[3 * h * w], new long[] {1, 3, h, w});
            }
            return run(textSession, inputs, ClipBundle.TEXT_EMBEDS, tokens.rows());
        } catch (OrtException e) {
            throw OnnxSupport.runFailure(e, "the text tower of '" + bundle.id() + "' on " + tokens.describe());
        }
    }

    /** Raw (not normalised) vision tower output. */
    private float[][] runVision(float[] pixels, int count) {
        try (OnnxSupport.Inputs inputs = new OnnxSupport.Inputs(environment, int32Ids)) {
            inputs.floats(PIXEL_VALUES, pixels, new long[] {count, 3, preprocessor.height(), preprocessor.width()});
            if (bundle.combined()) {
                long[] shape = {1, placeholderIds.length};
                inputs.ids(OnnxSupport.INPUT_IDS, placeholderIds, shape);
                if (visionFeedsMask) {
                    long[] ones = new long[placeholderIds.length];
                    Arrays.fill(ones, 1L);
                    inputs.ids(OnnxSupport.ATTENTION_MASK, ones, shape);
                }
            }
            return run(visionSession, inputs, ClipBundle.IMAGE_EMBEDS, count);
        } catch (OrtException e) {
            throw OnnxSupport.runFailure(e, "the vision tower of '" + bundle.id() + "' on " + count + " images");
        }
    }

    /** Runs one tower and reads its {@code [rows, dim]} output. */
    private float[][] run(OrtSession session, OnnxSupport.Inputs inputs, String output, int rows) throws OrtException {
        return inputs.run(session, output, (data, shape) -> {
            if (shape.length != 2 || shape[0] != rows) {
                throw invalid("output '" + output + "' has shape " + Arrays.toString(shape) + " for " + rows
                        + " inputs; expected [" + rows + ", dim]");
            }
            return OnnxSupport.rows(data, rows, (int) shape[1]);
        });
    }

    private int outputDimension(OrtSession session, String output, Path file) throws OrtException {
        long[] shape = OnnxSupport.outputShape(session, output);
        if (shape == null) {
            throw invalid(file.getFileName() + " has no output '" + output + "' (outputs: "
                    + session.getOutputInfo().keySet() + "); CLIP exports name them text_embeds and image_embeds");
        }
        if (shape.length != 2) {
            throw invalid("output '" + output + "' has rank " + shape.length + "; expected [batch, dim]");
        }
        return (int) shape[1];
    }

    private MmsearchException invalid(String what) {
        return new MmsearchException(ErrorCode.INVALID_ARGUMENT, "CLIP model '" + bundle.id() + "' in "
                + bundle.directory() + " " + what);
    }

    private static void requireText(String text, int index) {
        if (text == null) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT,
                    "text #" + index + " to encode is null; pass a string (it may be empty)");
        }
    }

    /** L2-normalises each vector in place; returns {@code vectors}. */
    private static float[][] normalize(float[][] vectors) {
        for (float[] vector : vectors) {
            double sum = 0;
            for (float v : vector) {
                sum += (double) v * v;
            }
            if (sum > 0) {
                float scale = (float) (1.0 / Math.sqrt(sum));
                for (int i = 0; i < vector.length; i++) {
                    vector[i] *= scale;
                }
            }
        }
        return vectors;
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return lifecycle.isClosed();
    }

    /** Waits for running calls, then frees sessions and tokenizer; later calls fail with NOT_READY. Idempotent. */
    @Override
    public void close() {
        if (lifecycle.close(() -> {
            tokenizer.close();
            OnnxSupport.closeQuietly(List.of(textSession, visionSession));
        })) {
            LOG.debug("closed clip model={}", bundle.id());
        }
    }
}
