package dev.mmsearch.server;

import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.EncoderProvider;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.core.experiment.Layer;
import dev.mmsearch.core.experiment.StageKind;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.retrieval.CompiledExperiments;
import dev.mmsearch.retrieval.SearchQuery;
import dev.mmsearch.server.experiments.ExperimentRuntime;
import dev.mmsearch.server.experiments.ExperimentSettings;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import dev.mmsearch.core.ImageRoots;
import java.nio.file.Path;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The parts one embedded node is made of, opened over one data directory: the Lucene
 * collection store, the model registry (in-process ONNX encoders) and the experiment runtime
 * (the staged retrieval pipelines of the current config). The CLI opens one per command; the
 * service opens one for its lifetime. {@link #search} is the one search path of both.
 */
public final class Engine implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Engine.class);
    private final DataDirectory dataDirectory;
    private final EngineOptions options;
    private final ModelRegistry models;
    /** Where queries and documents are embedded: {@link #models} in-process, or remote inference nodes. */
    private final EncoderProvider encoders;
    private final CollectionStore store;
    private final ExperimentRuntime experiments;
    private final ImageRoots imageRoots;

    public Engine(DataDirectory dataDirectory, EngineOptions options) {
        this(dataDirectory, options, ExperimentSettings.DEFAULTS);
    }

    public Engine(DataDirectory dataDirectory, EngineOptions options, ExperimentSettings experimentSettings) {
        this.dataDirectory = dataDirectory;
        this.options = options;
        this.imageRoots = ImageRoots.of(options.imageRoots());
        this.models = new ModelRegistry(dataDirectory.models(), options.modelOptions());
        registerInstalledModels(models, dataDirectory.models());
        this.encoders = options.inferenceNodes().isEmpty() ? models
                : dev.mmsearch.grpc.RemoteEncoderProvider.connect(options.inferenceNodes());
        try {
            this.store = options.openStore(dataDirectory);
        } catch (RuntimeException e) {
            closeModels();
            throw e;
        }
        try {
            // Last: it may start a file watcher or a ZooKeeper client, which nothing would close if a later step failed.
            this.experiments = ExperimentRuntime.open(experimentSettings, dataDirectory.root());
        } catch (RuntimeException e) {
            try {
                store.close();
            } finally {
                closeModels();
            }
            throw e;
        }
    }

    /**
     * Runs one search through the current experiment snapshot.
     *
     * @param expectedModel model id the caller expects the collection to use, or null; another one is MODEL_MISMATCH
     * @param retriever     shorthand for forcing the recall layer's arm of that name (e.g. "bm25"), or null
     */
    public SearchResult search(SearchQuery query, String expectedModel, String retriever) {
        SearchCollection collection = store.get(CollectionStore.validateName(query.collection()));
        ModelStamp stamp = collection.stamp();
        EncoderProvider requestEncoders = encoders;
        if (expectedModel != null && !expectedModel.isBlank() && !expectedModel.equals(stamp.modelId())) {
            requestEncoders = alignedQueryEncoders(collection, expectedModel);
        }
        CompiledExperiments snapshot = experiments.current();
        if (retriever != null && !retriever.isBlank()) {
            query = query.withForcedArms(forceRecall(snapshot, query, retriever));
        }
        SearchResult result = SearchResult.of(UUID.randomUUID().toString(), stamp.modelId(),
                snapshot.execute(query, collection, requestEncoders));
        return collection.schema().isImageCollection() ? result.withImageLinks() : result;
    }

    /**
     * The encoders for a request that asks to embed its text with {@code model} instead of the collection's own: allowed
     * only for a text tower aligned to the collection's model (it reports the same stamp, e.g. a Chinese tower for a
     * CLIP image collection); then that tower stands in for the collection's text encoder in this request only.
     *
     * @throws MmsearchException MODEL_MISMATCH for any other model (the message names both)
     */
    private EncoderProvider alignedQueryEncoders(SearchCollection collection, String model) {
        ModelStamp stamp = collection.stamp();
        // In-process, the manifest says whether the model is aligned to this one: refuse others without loading them.
        boolean maybeAligned = !(encoders instanceof ModelRegistry registry) || registry.alignment(model)
                .filter(a -> a.clipModelId().equals(stamp.modelId()) && a.clipChecksum().equals(stamp.checksum()))
                .isPresent();
        TextEncoder aligned = maybeAligned ? encoders.textEncoder(model) : null;
        if (aligned == null || !aligned.stamp().compatibleWith(stamp)) {
            throw new MmsearchException(ErrorCode.MODEL_MISMATCH, "collection '" + collection.name()
                    + "' was built with model " + stamp.describe() + " but the request asked for model '"
                    + model + "'; search it with " + stamp.modelId() + " (or a text tower aligned to it) or re-index it");
        }
        EncoderProvider all = encoders;
        return new EncoderProvider() {
            @Override
            public TextEncoder textEncoder(String modelId) {
                return modelId.equals(stamp.modelId()) ? aligned : all.textEncoder(modelId);
            }

            @Override
            public dev.mmsearch.core.ImageEncoder imageEncoder(String modelId) {
                return all.imageEncoder(modelId);
            }

            @Override
            public List<String> modelIds() {
                return all.modelIds();
            }

            @Override
            public void close() {
                // a per-request view: the engine owns the encoders
            }
        };
    }

    private static Map<String, String> forceRecall(CompiledExperiments snapshot, SearchQuery query, String retriever) {
        Layer recall = snapshot.config().scene(query.scene()).layer(StageKind.RECALL);
        if (recall == null || recall.arm(retriever) == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "retriever '" + retriever + "' is not an arm of the "
                    + "recall layer of this scene (config " + snapshot.version() + "); arms: "
                    + (recall == null ? "none" : recall.arms().stream().map(a -> a.name()).toList()));
        }
        Map<String, String> forced = new LinkedHashMap<>(query.forcedArms());
        forced.putIfAbsent(recall.name(), retriever);
        return forced;
    }

    /**
     * Registers every model directory under {@code DATA_DIR/models} that is not a built-in model's cache (models added
     * with {@code models add}, e.g. CLIP exports). A directory that does not load is logged and skipped: one broken
     * model must not stop the node.
     */
    public static void registerInstalledModels(ModelRegistry registry, Path modelsDir) {
        if (!java.nio.file.Files.isDirectory(modelsDir)) {
            return;
        }
        try (var dirs = java.nio.file.Files.list(modelsDir)) {
            for (Path dir : dirs.filter(java.nio.file.Files::isDirectory).sorted().toList()) {
                String name = dir.getFileName().toString();
                if (name.startsWith(".") || registry.builtin(name).isPresent()) {
                    continue;
                }
                try {
                    String id = registry.register(dir);
                    LOG.info("installed model={} dir={}", id, dir);
                } catch (MmsearchException e) {
                    LOG.warn("skipping model dir={}: {}", dir, e.getMessage());
                }
            }
        } catch (java.io.IOException e) {
            LOG.warn("cannot list installed models in dir={}: {}", modelsDir, e.toString());
        }
    }

    /** Folders images may be read from: {@code --image-root} plus the image folders indexed into this data dir. */
    public ImageRoots imageRoots() {
        // The recorded folders are re-read only when the file changed, so an image folder indexed by another command
        // while this node runs is served at once, without a file read and realpath per image request.
        long stamp = modifiedMillis(dataDirectory.imageRootsFile());
        RootsSnapshot snapshot = rootsSnapshot;
        if (snapshot == null || snapshot.fileModified() != stamp) {
            List<Path> all = new java.util.ArrayList<>(imageRoots.roots());
            all.addAll(dataDirectory.recordedImageRoots());
            snapshot = new RootsSnapshot(stamp, ImageRoots.of(all.stream().distinct().toList()));
            rootsSnapshot = snapshot;
        }
        return snapshot.roots();
    }

    private record RootsSnapshot(long fileModified, ImageRoots roots) {
    }

    private volatile RootsSnapshot rootsSnapshot;

    private static long modifiedMillis(Path file) {
        try {
            return java.nio.file.Files.getLastModifiedTime(file).toMillis();
        } catch (java.io.IOException e) {
            return -1; // no file yet
        }
    }

    public EngineOptions options() {
        return options;
    }

    public DataDirectory dataDirectory() {
        return dataDirectory;
    }

    public CollectionStore store() {
        return store;
    }

    /** The encoders searches and indexing use: in-process models, or the inference nodes given in the options. */
    public EncoderProvider encoders() {
        return encoders;
    }

    /** The models of this process (what an inference role serves). */
    public ModelRegistry models() {
        return models;
    }

    public ExperimentRuntime experiments() {
        return experiments;
    }

    private void closeModels() {
        try {
            if (encoders != models) {
                encoders.close();
            }
        } finally {
            models.close();
        }
    }

    @Override
    public void close() {
        try {
            store.close();
        } finally {
            try {
                if (encoders != models) {
                    encoders.close();
                }
                models.close();
            } finally {
                experiments.close();
            }
        }
    }
}
