package dev.mmsearch.inference;

import dev.mmsearch.core.EncoderProvider;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.ImageEncoder;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.bundle.ClipBundle;
import dev.mmsearch.inference.bundle.ModelBundle;
import dev.mmsearch.inference.bundle.ModelManifest;
import dev.mmsearch.inference.bundle.TextBundle;
import dev.mmsearch.inference.clip.AlignedTextEncoder;
import dev.mmsearch.inference.clip.ClipAlignment;
import dev.mmsearch.inference.clip.ClipModel;
import dev.mmsearch.inference.onnx.EncoderOptions;
import dev.mmsearch.inference.onnx.OnnxTextEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds text encoders by id: the built-in models whose artifacts are on the classpath, plus model
 * directories registered by path (sentence encoders, see {@link TextBundle}, and CLIP models, see
 * {@link ClipBundle}: a CLIP id serves both {@link #textEncoder(String)} and {@link #imageEncoder(String)}).
 * It keeps one entry per id; each model is loaded lazily on first use, once, and shared by all callers
 * (encoders are thread-safe). Closing the registry closes every loaded model, once.
 *
 * <p>A sentence encoder of kind {@link ModelManifest.Kind#ALIGNED_TEXT_ENCODER} names, in its manifest's
 * {@code "alignedTo"} ({@link ClipAlignment}), the CLIP model it was trained into. Its
 * {@link #textEncoder(String)} reports that CLIP model's stamp (so it can search that model's image
 * collections), and only while that CLIP model is registered here with exactly that checksum; otherwise
 * it fails with a message saying which CLIP model to register.
 */
public final class ModelRegistry implements EncoderProvider {

    /** The model used when a collection does not name one. */
    public static final String DEFAULT_MODEL = "bge-small-en-v1.5";

    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

    private final Path modelCacheDir;
    private final EncoderOptions options;
    /** Every known id: built-ins in catalogue order, then registered directories in registration order; guarded by
     *  {@code this}. */
    private final Map<String, ModelEntry<?>> entries = new LinkedHashMap<>();
    private volatile boolean closed;

    /**
     * @param modelCacheDir where built-in models are copied out of their jars (inside the data directory)
     * @param options       threads and batch size for every encoder this registry loads
     */
    public ModelRegistry(Path modelCacheDir, EncoderOptions options) {
        this.modelCacheDir = Objects.requireNonNull(modelCacheDir, "modelCacheDir").toAbsolutePath().normalize();
        this.options = Objects.requireNonNull(options, "options");
        for (BuiltinModel model : BuiltinModels.available()) {
            entries.put(model.id(), ModelEntry.Text.builtin(model));
        }
    }

    /** A registry with {@link EncoderOptions#defaults()}. */
    public ModelRegistry(Path modelCacheDir) {
        this(modelCacheDir, EncoderOptions.defaults());
    }

    public Path modelCacheDir() {
        return modelCacheDir;
    }

    public EncoderOptions options() {
        return options;
    }

    /** Registers the full-precision model of a directory; see {@link #register(Path, ModelBundle.Variant)}. */
    public String register(Path dir) {
        return register(dir, ModelBundle.Variant.FP32);
    }

    /**
     * Registers a model directory (an mmsearch bundle or a Hugging Face export of a sentence encoder, see
     * {@link TextBundle}; or a CLIP export, see {@link ClipBundle}; told apart by {@link ModelBundle#load(Path,
     * ModelBundle.Variant)}) under the id its manifest names (by default the directory name). Registering the same
     * directory again returns the same id. The files are checked now; the model is loaded on first use.
     *
     * @return the model id
     * @throws MmsearchException MODEL_NOT_FOUND for missing files, INVALID_ARGUMENT when the id is taken
     */
    public synchronized String register(Path dir, ModelBundle.Variant variant) {
        requireOpen();
        return switch (ModelBundle.load(dir, variant)) {
            case ClipBundle clip -> registerClip(clip);
            case TextBundle text -> registerText(text, dir);
        };
    }

    private String registerText(TextBundle bundle, Path dir) {
        String id = bundle.manifest().id();
        ClipAlignment alignment = bundle.manifest().kind() == ModelManifest.Kind.ALIGNED_TEXT_ENCODER
                ? ClipAlignment.read(dir.toAbsolutePath().normalize()) : null;
        if (alignment != null && alignment.clipModelId().equals(id)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "model '" + id + "' in " + dir + " names itself in \""
                    + ClipAlignment.FIELD + "\"; it must name the CLIP model it was trained for");
        }
        switch (entries.get(id)) {
            case null -> { }
            case ModelEntry.Text text when text.builtinModel() != null -> throw builtinIdTaken(id, bundle.modelFile());
            case ModelEntry.Text text when text.modelFile().equals(bundle.modelFile()) -> {
                return id;
            }
            case ModelEntry.Text text -> throw idTaken(id, text.modelFile().toString(), dir);
            case ModelEntry.Clip clip -> throw idTaken(id, "the CLIP model in " + clip.bundle().directory(), dir);
        }
        entries.put(id, ModelEntry.Text.registered(bundle, alignment));
        if (alignment != null) {
            LOG.info("registered model={} dir={} alignedTo={}", id, dir.toAbsolutePath(), alignment.describe());
        } else {
            LOG.info("registered model={} dir={}", id, dir.toAbsolutePath());
        }
        return id;
    }

    private String registerClip(ClipBundle bundle) {
        String id = bundle.id();
        switch (entries.get(id)) {
            case null -> { }
            case ModelEntry.Text text when text.builtinModel() != null -> throw builtinIdTaken(id, bundle.directory());
            case ModelEntry.Text text -> throw idTaken(id, text.modelFile().toString(), bundle.directory());
            case ModelEntry.Clip clip when clip.bundle().onnxFiles().equals(bundle.onnxFiles()) -> {
                return id;
            }
            case ModelEntry.Clip clip -> throw idTaken(id, clip.bundle().directory().toString(), bundle.directory());
        }
        entries.put(id, new ModelEntry.Clip(bundle));
        LOG.info("registered clip model={} dir={} combined={}", id, bundle.directory(), bundle.combined());
        return id;
    }

    private static MmsearchException builtinIdTaken(String id, Path source) {
        return new MmsearchException(ErrorCode.INVALID_ARGUMENT, "model id '" + id + "' of " + source
                + " is a built-in model's id; set another \"id\" in " + ModelManifest.FILE_NAME);
    }

    private static MmsearchException idTaken(String id, String holder, Path dir) {
        return new MmsearchException(ErrorCode.INVALID_ARGUMENT, "model id '" + id + "' is already registered for "
                + holder + "; set another \"id\" in " + ModelManifest.FILE_NAME + " of " + dir);
    }

    /**
     * The encoder for {@code modelId}, loading it (and copying a built-in out of its jar) on first use.
     *
     * @throws MmsearchException MODEL_NOT_FOUND listing the known ids; NOT_READY after {@link #close()}
     */
    @Override
    public TextEncoder textEncoder(String modelId) {
        return switch (entry(modelId)) {
            case ModelEntry.Clip clip -> clip.model(options).textEncoder();
            case ModelEntry.Text text when text.alignment() != null -> alignedTextEncoder(modelId);
            case ModelEntry.Text text -> text.encoder(modelCacheDir, options);
        };
    }

    /** The CLIP model that {@code modelId} was trained into, when it is a registered aligned text encoder. */
    public Optional<ClipAlignment> alignment(String modelId) {
        return find(modelId) instanceof ModelEntry.Text text ? Optional.ofNullable(text.alignment()) : Optional.empty();
    }

    /**
     * The aligned text encoder {@code modelId} (kind {@link ModelManifest.Kind#ALIGNED_TEXT_ENCODER}), reporting the
     * stamp of the CLIP model it was trained into. Loads that CLIP model too (its stamp is computed when loading).
     *
     * @throws MmsearchException MODEL_NOT_FOUND when {@code modelId} is not an aligned text encoder or its CLIP model
     *                           is not registered (naming the model to register); MODEL_MISMATCH when the registered
     *                           CLIP model of that id has another checksum or dimension
     */
    public AlignedTextEncoder alignedTextEncoder(String modelId) {
        if (!(entry(modelId) instanceof ModelEntry.Text text) || text.alignment() == null) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "model '" + modelId + "' is not aligned to a CLIP "
                    + "model (its " + ModelManifest.FILE_NAME + " has no kind aligned_text_encoder)");
        }
        ClipAlignment alignment = text.alignment();
        ModelEntry<?> target = find(alignment.clipModelId());
        if (!(target instanceof ModelEntry.Clip clip)) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "model '" + modelId + "' is a text tower aligned to "
                    + "CLIP model " + alignment.describe() + ", which is not registered"
                    + (target != null ? " as a CLIP model" : "")
                    + "; register that CLIP model's directory too (its image vectors are what this model searches)");
        }
        return text.aligned(clip.model(options), modelCacheDir, options);
    }

    /**
     * The image encoder of a CLIP model, loading the model on first use; its stamp equals
     * {@code textEncoder(modelId).stamp()}.
     *
     * @throws MmsearchException MODEL_NOT_FOUND for an unknown id (listing the known ones) or a text-only
     *                           model; NOT_READY after {@link #close()}
     */
    @Override
    public ImageEncoder imageEncoder(String modelId) {
        return switch (entry(modelId)) {
            case ModelEntry.Clip clip -> clip.model(options).imageEncoder();
            case ModelEntry.Text text when text.alignment() != null -> throw new MmsearchException(
                    ErrorCode.MODEL_NOT_FOUND, "model '" + modelId + "' is a text-only model aligned to CLIP model '"
                    + text.alignment().clipModelId() + "'; encode images with that model");
            case ModelEntry.Text text -> {
                List<String> clipIds = clipIds();
                throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "model '" + modelId + "' is a text-only model "
                        + "and has no image encoder; image search needs a CLIP model (register a CLIP export directory"
                        + (clipIds.isEmpty() ? "" : ", e.g. " + String.join(", ", clipIds)) + ")");
            }
        };
    }

    /**
     * The loaded CLIP model for {@code modelId}, loading it on first use.
     *
     * @throws MmsearchException MODEL_NOT_FOUND when the id is not a registered CLIP model
     */
    public ClipModel clipModel(String modelId) {
        if (entry(modelId) instanceof ModelEntry.Clip clip) {
            return clip.model(options);
        }
        throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "model '" + modelId + "' is not a CLIP model");
    }

    /** Whether {@code modelId} is a registered CLIP model. */
    public boolean isClip(String modelId) {
        return find(modelId) instanceof ModelEntry.Clip;
    }

    /**
     * The sentence encoder (built-in or registered {@link TextBundle}) for {@code modelId}, loading it on first use.
     *
     * @throws MmsearchException MODEL_NOT_FOUND listing the known ids (also for a CLIP id: use
     *                           {@link #textEncoder(String)}); NOT_READY after {@link #close()}
     */
    public OnnxTextEncoder onnxTextEncoder(String modelId) {
        if (entry(modelId) instanceof ModelEntry.Text text) {
            return text.encoder(modelCacheDir, options);
        }
        throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "model '" + modelId + "' is a CLIP model, not a "
                + "sentence encoder; use textEncoder or clipModel");
    }

    /** The manifest of a known model, without loading it (a loaded CLIP model's has its dimension). */
    public ModelManifest manifest(String modelId) {
        return entry(modelId).manifest();
    }

    /** Whether the model has been loaded (and so holds memory and native resources). */
    public boolean isLoaded(String modelId) {
        ModelEntry<?> entry = find(modelId);
        return entry != null && entry.isLoaded();
    }

    /** Built-in models available on the classpath. */
    public synchronized List<BuiltinModel> builtinModels() {
        List<BuiltinModel> builtins = new ArrayList<>();
        for (ModelEntry<?> entry : entries.values()) {
            if (entry instanceof ModelEntry.Text text && text.builtinModel() != null) {
                builtins.add(text.builtinModel());
            }
        }
        return List.copyOf(builtins);
    }

    /** Built-in ids first (in catalogue order), then registered ids in registration order. */
    @Override
    public synchronized List<String> modelIds() {
        return List.copyOf(entries.keySet());
    }

    /**
     * One model this registry serves, from its manifest (nothing is loaded to say it).
     *
     * @param kind      {@code text_encoder} or {@code clip} (or another manifest kind), lower case
     * @param builtin   whether it ships with mmsearch (else added with {@code models add}/{@code pull})
     * @param dimension its vectors' dimension; 0 when the manifest does not say and it is not loaded yet
     * @param loaded    whether it is loaded in this process now
     */
    public record ModelInfo(String id, String kind, boolean builtin, int dimension, int maxSequenceLength,
                            boolean loaded, String description) {
    }

    /** Every model this registry serves, in registration order (built-in ones first), without loading any. */
    public synchronized List<ModelInfo> describe() {
        List<ModelInfo> out = new java.util.ArrayList<>(entries.size());
        for (ModelEntry<?> entry : entries.values()) {
            ModelManifest manifest = entry.manifest();
            boolean builtin = entry instanceof ModelEntry.Text text && text.builtinModel() != null;
            out.add(new ModelInfo(entry.id(), manifest.kind().name().toLowerCase(java.util.Locale.ROOT), builtin,
                    manifest.dimension(), manifest.maxSequenceLength(), entry.isLoaded(), manifest.description()));
        }
        return List.copyOf(out);
    }

    /** Looks up a built-in model of this registry by id. */
    public Optional<BuiltinModel> builtin(String modelId) {
        return find(modelId) instanceof ModelEntry.Text text ? Optional.ofNullable(text.builtinModel())
                : Optional.empty();
    }

    private synchronized List<String> clipIds() {
        return entries.values().stream().filter(e -> e instanceof ModelEntry.Clip).map(ModelEntry::id).toList();
    }

    /** The entry of {@code modelId}, or null. */
    private synchronized ModelEntry<?> find(String modelId) {
        return modelId == null ? null : entries.get(modelId);
    }

    /** The entry of {@code modelId}; MODEL_NOT_FOUND listing the known ids when there is none. */
    private ModelEntry<?> entry(String modelId) {
        ModelEntry<?> entry = find(modelId);
        if (entry == null) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "unknown model '" + modelId + "'; known models: "
                    + String.join(", ", modelIds()) + " (or register a model directory)");
        }
        return entry;
    }

    private void requireOpen() {
        if (closed) {
            throw closedError();
        }
    }

    /** What every use of a closed registry (or of an entry it closed) throws. */
    static MmsearchException closedError() {
        return new MmsearchException(ErrorCode.NOT_READY, "the model registry has been closed");
    }

    /** Closes every loaded model, once; later loads fail with NOT_READY. Idempotent. */
    @Override
    public void close() {
        List<ModelEntry<?>> toClose;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = List.copyOf(entries.values());
        }
        int loaded = 0;
        for (ModelEntry<?> entry : toClose) {
            loaded += entry.isLoaded() ? 1 : 0;
            entry.close();
        }
        LOG.debug("closed model registry models={} loaded={}", toClose.size(), loaded);
    }
}
