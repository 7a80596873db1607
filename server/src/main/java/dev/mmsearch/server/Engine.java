package dev.mmsearch.server;

import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.EncoderProvider;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
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
    private final DataDirectory dataDirectory;
    private final EngineOptions options;
    private final ModelRegistry models;
    private final LuceneCollectionStore store;
    private final ExperimentRuntime experiments;
    private final ImageRoots imageRoots;

    public Engine(DataDirectory dataDirectory, EngineOptions options) {
        this(dataDirectory, options, ExperimentSettings.DEFAULTS);
    }

    public Engine(DataDirectory dataDirectory, EngineOptions options, ExperimentSettings experimentSettings) {
        this.dataDirectory = dataDirectory;
        this.options = options;
        List<Path> roots = new java.util.ArrayList<>(options.imageRoots());
        roots.addAll(dataDirectory.recordedImageRoots());
        this.imageRoots = ImageRoots.of(roots.stream().distinct().toList());
        this.models = new ModelRegistry(dataDirectory.models(), options.modelOptions());
        try {
            this.store = new LuceneCollectionStore(dataDirectory.collections());
        } catch (RuntimeException e) {
            models.close();
            throw e;
        }
        try {
            // Last: it may start a file watcher or a ZooKeeper client, which nothing would close if a later step failed.
            this.experiments = ExperimentRuntime.open(experimentSettings, dataDirectory.root());
        } catch (RuntimeException e) {
            try {
                store.close();
            } finally {
                models.close();
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
        if (expectedModel != null && !expectedModel.isBlank() && !expectedModel.equals(stamp.modelId())) {
            throw new MmsearchException(ErrorCode.MODEL_MISMATCH, "collection '" + collection.name()
                    + "' was built with model " + stamp.describe() + " but the request asked for model '"
                    + expectedModel + "'; search it with " + stamp.modelId() + " or re-index it");
        }
        CompiledExperiments snapshot = experiments.current();
        if (retriever != null && !retriever.isBlank()) {
            query = query.withForcedArms(forceRecall(snapshot, query, retriever));
        }
        SearchResult result = SearchResult.of(UUID.randomUUID().toString(), stamp.modelId(),
                snapshot.execute(query, collection, models));
        return collection.schema().isImageCollection() ? result.withImageLinks() : result;
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

    /** Folders images may be read from: {@code --image-root} plus the image folders indexed into this data dir. */
    public ImageRoots imageRoots() {
        return imageRoots;
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

    public EncoderProvider encoders() {
        return models;
    }

    public ModelRegistry models() {
        return models;
    }

    public ExperimentRuntime experiments() {
        return experiments;
    }

    @Override
    public void close() {
        try {
            store.close();
        } finally {
            try {
                models.close();
            } finally {
                experiments.close();
            }
        }
    }
}
