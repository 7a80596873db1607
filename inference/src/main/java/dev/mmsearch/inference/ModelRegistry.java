package dev.mmsearch.inference;

import dev.mmsearch.core.EncoderProvider;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
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
 * directories registered by path. Each encoder is loaded lazily on first use, once, and shared by
 * all callers (encoders are thread-safe). Closing the registry closes every loaded encoder.
 */
public final class ModelRegistry implements EncoderProvider {

    /** The model used when a collection does not name one. */
    public static final String DEFAULT_MODEL = "bge-small-en-v1.5";

    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

    private final Path modelCacheDir;
    private final EncoderOptions options;
    private final Map<String, BuiltinModel> builtins = new LinkedHashMap<>();
    /** Registered directories by id; guarded by {@code this}. */
    private final Map<String, ModelBundle> registered = new LinkedHashMap<>();
    private final Map<String, OnnxTextEncoder> loaded = new ConcurrentHashMap<>();
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
     * Registers a model directory (an mmsearch bundle or a Hugging Face export, see {@link ModelBundle})
     * under the id its manifest names (by default the directory name). Registering the same directory
     * again returns the same id. The files are checked now; the model is loaded on first use.
     *
     * @return the model id
     * @throws MmsearchException MODEL_NOT_FOUND for missing files, INVALID_ARGUMENT when the id is taken
     */
    public synchronized String register(Path dir, ModelBundle.Variant variant) {
        requireOpen();
        ModelBundle bundle = ModelBundle.load(dir, variant);
        String id = bundle.manifest().id();
        if (builtins.containsKey(id)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "model id '" + id + "' of " + bundle.modelFile()
                    + " is a built-in model's id; set another \"id\" in " + ModelManifest.FILE_NAME);
        }
        ModelBundle existing = registered.get(id);
        if (existing != null) {
            if (existing.modelFile().equals(bundle.modelFile())) {
                return id;
            }
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "model id '" + id + "' is already registered for "
                    + existing.modelFile() + "; set another \"id\" in " + ModelManifest.FILE_NAME + " of " + dir);
        }
        registered.put(id, bundle);
        LOG.info("registered model={} dir={}", id, dir.toAbsolutePath());
        return id;
    }

    /**
     * The encoder for {@code modelId}, loading it (and copying a built-in out of its jar) on first use.
     *
     * @throws MmsearchException MODEL_NOT_FOUND listing the known ids; NOT_READY after {@link #close()}
     */
    @Override
    public OnnxTextEncoder textEncoder(String modelId) {
        OnnxTextEncoder encoder = loaded.get(Objects.requireNonNullElse(modelId, ""));
        if (encoder != null) {
            return encoder;
        }
        requireKnown(modelId);
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
            return registered.get(modelId).manifest();
        }
    }

    /** Whether the model has been loaded (and so holds memory and native resources). */
    public boolean isLoaded(String modelId) {
        return loaded.containsKey(modelId);
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
        return List.copyOf(ids);
    }

    private ModelBundle bundle(String modelId) {
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
            known = modelId != null && (builtins.containsKey(modelId) || registered.containsKey(modelId));
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
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = new ArrayList<>(loaded.values());
            loaded.clear();
        }
        for (OnnxTextEncoder encoder : toClose) {
            try {
                encoder.close();
            } catch (RuntimeException e) {
                LOG.warn("closing model={} failed: {}", encoder.manifest().id(), e.toString());
            }
        }
        LOG.debug("closed model registry models={}", toClose.size());
    }
}
