package dev.mmsearch.inference;

import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.inference.bundle.ClipBundle;
import dev.mmsearch.inference.bundle.ModelManifest;
import dev.mmsearch.inference.bundle.TextBundle;
import dev.mmsearch.inference.clip.AlignedTextEncoder;
import dev.mmsearch.inference.clip.ClipAlignment;
import dev.mmsearch.inference.clip.ClipModel;
import dev.mmsearch.inference.onnx.EncoderOptions;
import dev.mmsearch.inference.onnx.OnnxTextEncoder;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link ModelRegistry} holds for one id: where the model comes from and, once loaded, the loaded model.
 * The model is loaded on first use, once, shared by every caller, and closed once by {@link #close()}; a load
 * after that fails with NOT_READY. Thread-safe (the entry's monitor guards loading and closing; the loaded model
 * is read without locking once there).
 *
 * @param <M> the loaded model
 */
abstract sealed class ModelEntry<M extends AutoCloseable> permits ModelEntry.Text, ModelEntry.Clip {

    private static final Logger LOG = LoggerFactory.getLogger(ModelEntry.class);

    private volatile M loaded;
    private boolean closed; // guarded by this

    /** The registry id. */
    abstract String id();

    /** The manifest, without loading the model. */
    abstract ModelManifest manifest();

    /** Whether the model is loaded (and so holds memory and native resources). */
    final boolean isLoaded() {
        return loaded != null;
    }

    /** The loaded model, if it is loaded. */
    final M loadedOrNull() {
        return loaded;
    }

    /** The model, opened with {@code open} by the first caller. */
    final M load(Supplier<M> open) {
        M model = loaded;
        if (model != null) {
            return model;
        }
        synchronized (this) {
            if (closed) {
                throw ModelRegistry.closedError();
            }
            if (loaded == null) {
                loaded = open.get();
            }
            return loaded;
        }
    }

    /** Closes the loaded model (if any); later loads fail with NOT_READY. Idempotent. */
    final void close() {
        M model;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            model = loaded;
            loaded = null;
            forgetViews();
        }
        if (model != null) {
            try {
                model.close();
            } catch (Exception e) {
                LOG.warn("closing model={} failed: {}", id(), e.toString());
            }
        }
    }

    /** Drops what is derived from the loaded model; called under the monitor when closing. */
    void forgetViews() {
    }

    /**
     * A sentence encoder: a built-in (copied out of its jar when first loaded) or a registered directory, possibly
     * trained into a CLIP model's space ({@link #alignment()} not null).
     */
    static final class Text extends ModelEntry<OnnxTextEncoder> {
        private final BuiltinModel builtin;
        private final TextBundle bundle;
        private final ClipAlignment alignment;
        private volatile AlignedTextEncoder aligned;

        private Text(BuiltinModel builtin, TextBundle bundle, ClipAlignment alignment) {
            this.builtin = builtin;
            this.bundle = bundle;
            this.alignment = alignment;
        }

        static Text builtin(BuiltinModel model) {
            return new Text(model, null, null);
        }

        /** A registered directory; {@code alignment} null unless the manifest's kind is aligned_text_encoder. */
        static Text registered(TextBundle bundle, ClipAlignment alignment) {
            return new Text(null, bundle, alignment);
        }

        @Override
        String id() {
            return builtin != null ? builtin.id() : bundle.manifest().id();
        }

        @Override
        ModelManifest manifest() {
            return builtin != null ? builtin.manifest() : bundle.manifest();
        }

        /** The built-in model, or null for a registered directory. */
        BuiltinModel builtinModel() {
            return builtin;
        }

        /** The ONNX file of a registered directory, or null for a built-in (its file exists only once copied). */
        Path modelFile() {
            return bundle == null ? null : bundle.modelFile();
        }

        /** The CLIP model this encoder was trained into, or null. */
        ClipAlignment alignment() {
            return alignment;
        }

        OnnxTextEncoder encoder(Path modelCacheDir, EncoderOptions options) {
            return load(() -> OnnxTextEncoder.open(builtin != null
                    ? BuiltinModels.materialize(builtin, modelCacheDir) : bundle, options));
        }

        /**
         * The encoder wrapped to report {@code clip}'s stamp, made once (a refused {@code clip} is refused again
         * on the next call).
         */
        AlignedTextEncoder aligned(ClipModel clip, Path modelCacheDir, EncoderOptions options) {
            AlignedTextEncoder wrapped = aligned;
            if (wrapped != null) {
                return wrapped;
            }
            ModelStamp clipStamp = clip.stamp();
            synchronized (this) {
                if (aligned == null) {
                    aligned = AlignedTextEncoder.of(encoder(modelCacheDir, options), alignment, clipStamp);
                    LOG.info("aligned text model={} searches clip={}", id(), clipStamp.describe());
                }
                return aligned;
            }
        }

        @Override
        void forgetViews() {
            aligned = null; // a view of the encoder being closed
        }
    }

    /** A registered CLIP export; one loaded {@link ClipModel} serves its text and image encoders. */
    static final class Clip extends ModelEntry<ClipModel> {
        private final ClipBundle bundle;

        Clip(ClipBundle bundle) {
            this.bundle = bundle;
        }

        ClipBundle bundle() {
            return bundle;
        }

        @Override
        String id() {
            return bundle.id();
        }

        /** The bundle's manifest, with the dimension once the model is loaded. */
        @Override
        ModelManifest manifest() {
            ClipModel model = loadedOrNull();
            return model == null ? bundle.manifest() : bundle.manifest().withDimension(model.dimension());
        }

        ClipModel model(EncoderOptions options) {
            return load(() -> ClipModel.open(bundle, options));
        }
    }
}
