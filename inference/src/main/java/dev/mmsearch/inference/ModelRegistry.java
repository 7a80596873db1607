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
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds text encoders by id: the built-in models whose artifacts are on the classpath, plus model
 * directories registered by path (sentence encoders, see {@link TextBundle}, and CLIP models, see
 * {@link ClipBundle}: a CLIP id serves both {@link #textEncoder(String)} and {@link #imageEncoder(String)}). Each encoder is loaded lazily on first use, once, and shared by
 * all callers (encoders are thread-safe). Closing the registry closes every loaded encoder.
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
    private final Map<String, BuiltinModel> builtins = new LinkedHashMap<>();
    /** Registered directories by id; guarded by {@code this}. */
    private final Map<String, TextBundle> registered = new LinkedHashMap<>();
    private final Map<String, OnnxTextEncoder> loaded = new ConcurrentHashMap<>();
    /** Registered CLIP directories by id; guarded by {@code this}. */
    private final Map<String, ClipBundle> registeredClip = new LinkedHashMap<>();
    private final Map<String, ClipModel> loadedClip = new ConcurrentHashMap<>();
    /** CLIP models that registered aligned text encoders were trained into, by their id; guarded by {@code this}. */
    private final Map<String, ClipAlignment> alignments = new LinkedHashMap<>();
    private final Map<String, AlignedTextEncoder> loadedAligned = new ConcurrentHashMap<>();
    private final Map<String, Object> loadLocks = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param modelCacheDir where built-in models are copied out of their jars (inside the data directory)
     * @param options       threads and batch size for every encoder this registry loads
     */
    public ModelRegistry(Path modelCacheDir, EncoderOptions options) {
        this.modelCacheDir = Objects.requireNonNull(modelCacheDir, "modelCacheDir").toAbsolutePath().normalize();
        this.options = Objects.requireNonNull(options, "options");
        for (BuiltinModel model : BuiltinModels.available()) {
            builtins.put(model.id(), model);
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
        if (builtins.containsKey(id)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "model id '" + id + "' of " + bundle.modelFile()
                    + " is a built-in model's id; set another \"id\" in " + ModelManifest.FILE_NAME);
        }
        if (registeredClip.containsKey(id)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "model id '" + id + "' is already registered for "
                    + "the CLIP model in " + registeredClip.get(id).directory() + "; set another \"id\" in "
                    + ModelManifest.FILE_NAME + " of " + dir);
        }
        TextBundle existing = registered.get(id);
        if (existing != null) {
            if (existing.modelFile().equals(bundle.modelFile())) {
                return id;
            }
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "model id '" + id + "' is already registered for "
                    + existing.modelFile() + "; set another \"id\" in " + ModelManifest.FILE_NAME + " of " + dir);
        }
        registered.put(id, bundle);
        if (alignment != null) {
            alignments.put(id, alignment);
            LOG.info("registered model={} dir={} alignedTo={}", id, dir.toAbsolutePath(), alignment.describe());
        } else {
            LOG.info("registered model={} dir={}", id, dir.toAbsolutePath());
        }
        return id;
    }

    private String registerClip(ClipBundle bundle) {
        String id = bundle.id();
        if (builtins.containsKey(id)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "model id '" + id + "' of " + bundle.directory()
                    + " is a built-in model's id; set another \"id\" in " + ModelManifest.FILE_NAME);
        }
        ClipBundle existing = registeredClip.get(id);
        if (existing != null && existing.onnxFiles().equals(bundle.onnxFiles())) {
            return id;
        }
        if (existing != null || registered.containsKey(id)) {
            Path other = existing != null ? existing.directory() : registered.get(id).modelFile();
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "model id '" + id + "' is already registered for "
                    + other + "; set another \"id\" in " + ModelManifest.FILE_NAME + " of " + bundle.directory());
        }
        registeredClip.put(id, bundle);
        LOG.info("registered clip model={} dir={} combined={}", id, bundle.directory(), bundle.combined());
        return id;
    }

    /**
     * The encoder for {@code modelId}, loading it (and copying a built-in out of its jar) on first use.
     *
     * @throws MmsearchException MODEL_NOT_FOUND listing the known ids; NOT_READY after {@link #close()}
     */
    @Override
    public TextEncoder textEncoder(String modelId) {
        if (isClip(modelId)) {
            return clipModel(modelId).textEncoder();
        }
        if (alignment(modelId).isPresent()) {
            return alignedTextEncoder(modelId);
        }
        return onnxTextEncoder(modelId);
    }

    /** The CLIP model that {@code modelId} was trained into, when it is a registered aligned text encoder. */
    public synchronized Optional<ClipAlignment> alignment(String modelId) {
        return Optional.ofNullable(modelId == null ? null : alignments.get(modelId));
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
        AlignedTextEncoder encoder = loadedAligned.get(Objects.requireNonNullElse(modelId, ""));
        if (encoder != null) {
            return encoder;
        }
        requireKnown(modelId);
        ClipAlignment alignment = alignment(modelId).orElseThrow(() -> new MmsearchException(ErrorCode.MODEL_NOT_FOUND,
                "model '" + modelId + "' is not aligned to a CLIP model (its " + ModelManifest.FILE_NAME
                        + " has no kind aligned_text_encoder)"));
        if (!isClip(alignment.clipModelId())) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "model '" + modelId + "' is a text tower aligned to "
                    + "CLIP model " + alignment.describe() + ", which is not registered"
                    + (modelIds().contains(alignment.clipModelId()) ? " as a CLIP model" : "")
                    + "; register that CLIP model's directory too (its image vectors are what this model searches)");
        }
        ClipModel clip = clipModel(alignment.clipModelId());
        synchronized (loadLocks.computeIfAbsent(modelId, k -> new Object())) {
            encoder = loadedAligned.get(modelId);
            if (encoder != null) {
                return encoder;
            }
            AlignedTextEncoder created = AlignedTextEncoder.of(onnxTextEncoder(modelId), alignment, clip.stamp());
            loadedAligned.put(modelId, created);
            LOG.info("aligned text model={} searches clip={}", modelId, clip.stamp().describe());
            return created;
        }
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
        if (isClip(modelId)) {
            return clipModel(modelId).imageEncoder();
        }
        requireKnown(modelId);
        Optional<ClipAlignment> alignment = alignment(modelId);
        if (alignment.isPresent()) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "model '" + modelId + "' is a text-only model aligned "
                    + "to CLIP model '" + alignment.get().clipModelId() + "'; encode images with that model");
        }
        throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "model '" + modelId + "' is a text-only model and "
                + "has no image encoder; image search needs a CLIP model (register a CLIP export directory"
                + (registeredClip().isEmpty() ? "" : ", e.g. " + String.join(", ", registeredClip())) + ")");
    }

    /**
     * The loaded CLIP model for {@code modelId}, loading it on first use.
     *
     * @throws MmsearchException MODEL_NOT_FOUND when the id is not a registered CLIP model
     */
    public ClipModel clipModel(String modelId) {
        ClipModel model = loadedClip.get(Objects.requireNonNullElse(modelId, ""));
        if (model != null) {
            return model;
        }
        if (!isClip(modelId)) {
            requireKnown(modelId);
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "model '" + modelId + "' is not a CLIP model");
        }
        synchronized (loadLocks.computeIfAbsent(modelId, k -> new Object())) {
            requireOpen();
            model = loadedClip.get(modelId);
            if (model != null) {
                return model;
            }
            ClipBundle bundle;
            synchronized (this) {
                bundle = registeredClip.get(modelId);
            }
            ClipModel created = ClipModel.open(bundle, options);
            synchronized (this) {
                if (closed) {
                    created.close();
                    requireOpen();
                }
                loadedClip.put(modelId, created);
            }
            return created;
        }
    }

    /** Whether {@code modelId} is a registered CLIP model. */
    public synchronized boolean isClip(String modelId) {
        return modelId != null && registeredClip.containsKey(modelId);
    }

    private synchronized List<String> registeredClip() {
        return List.copyOf(registeredClip.keySet());
    }

    /**
     * The sentence encoder (built-in or registered {@link TextBundle}) for {@code modelId}, loading it on first use.
     *
     * @throws MmsearchException MODEL_NOT_FOUND listing the known ids (also for a CLIP id: use
     *                           {@link #textEncoder(String)}); NOT_READY after {@link #close()}
     */
    public OnnxTextEncoder onnxTextEncoder(String modelId) {
        OnnxTextEncoder encoder = loaded.get(Objects.requireNonNullElse(modelId, ""));
        if (encoder != null) {
            return encoder;
        }
        requireKnown(modelId);
        if (isClip(modelId)) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "model '" + modelId + "' is a CLIP model, not a "
                    + "sentence encoder; use textEncoder or clipModel");
        }
        synchronized (loadLocks.computeIfAbsent(modelId, k -> new Object())) {
            requireOpen();
            encoder = loaded.get(modelId);
            if (encoder != null) {
                return encoder;
            }
            OnnxTextEncoder created = OnnxTextEncoder.open(bundle(modelId), options);
            synchronized (this) {
                if (closed) {
                    created.close();
                    requireOpen();
                }
                loaded.put(modelId, created);
            }
            return created;
        }
    }

    /** The manifest of a known model, without loading it. */
    public ModelManifest manifest(String modelId) {
        requireKnown(modelId);
        BuiltinModel builtin = builtins.get(modelId);
        if (builtin != null) {
            return builtin.manifest();
        }
        synchronized (this) {
            ClipBundle clip = registeredClip.get(modelId);
            if (clip != null) {
                ClipModel model = loadedClip.get(modelId);
                return model == null ? clip.manifest() : clip.manifest().withDimension(model.dimension());
            }
            return registered.get(modelId).manifest();
        }
    }

    /** Whether the model has been loaded (and so holds memory and native resources). */
    public boolean isLoaded(String modelId) {
        return modelId != null && (loaded.containsKey(modelId) || loadedClip.containsKey(modelId));
    }

    /** Built-in models available on the classpath. */
    public List<BuiltinModel> builtinModels() {
        return List.copyOf(builtins.values());
    }

    /** Built-in ids first (in catalogue order), then registered ids in registration order. */
    @Override
    public synchronized List<String> modelIds() {
        List<String> ids = new ArrayList<>(builtins.keySet());
        ids.addAll(registered.keySet());
        ids.addAll(registeredClip.keySet());
        return List.copyOf(ids);
    }

    private TextBundle bundle(String modelId) {
        BuiltinModel builtin = builtins.get(modelId);
        if (builtin != null) {
            return BuiltinModels.materialize(builtin, modelCacheDir);
        }
        synchronized (this) {
            return registered.get(modelId);
        }
    }

    private void requireKnown(String modelId) {
        boolean known;
        synchronized (this) {
            known = modelId != null && (builtins.containsKey(modelId) || registered.containsKey(modelId)
                    || registeredClip.containsKey(modelId));
        }
        if (!known) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "unknown model '" + modelId + "'; known models: "
                    + String.join(", ", modelIds()) + " (or register a model directory)");
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new MmsearchException(ErrorCode.NOT_READY, "the model registry has been closed");
        }
    }

    /** Looks up a built-in model of this registry by id. */
    public Optional<BuiltinModel> builtin(String modelId) {
        return Optional.ofNullable(builtins.get(modelId));
    }

    /** Closes every loaded encoder; later calls fail with NOT_READY. Idempotent. */
    @Override
    public void close() {
        List<OnnxTextEncoder> toClose;
        List<ClipModel> clipToClose;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = new ArrayList<>(loaded.values());
            loaded.clear();
            loadedAligned.clear(); // views of encoders in toClose
            clipToClose = new ArrayList<>(loadedClip.values());
            loadedClip.clear();
        }
        for (ClipModel model : clipToClose) {
            try {
                model.close();
            } catch (RuntimeException e) {
                LOG.warn("closing clip model={} failed: {}", model.bundle().id(), e.toString());
            }
        }
        for (OnnxTextEncoder encoder : toClose) {
            try {
                encoder.close();
            } catch (RuntimeException e) {
                LOG.warn("closing model={} failed: {}", encoder.manifest().id(), e.toString());
            }
        }
        LOG.debug("closed model registry models={} clipModels={}", toClose.size(), clipToClose.size());
    }
}
