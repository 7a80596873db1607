package dev.mmsearch.server;

import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.EncoderProvider;
import dev.mmsearch.core.Hit;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.retrieval.CompiledExperiments;
import dev.mmsearch.retrieval.QueryEncoders;
import dev.mmsearch.retrieval.SearchQuery;
import dev.mmsearch.retrieval.SearchResult;
import dev.mmsearch.server.experiments.ExperimentRuntime;
import dev.mmsearch.server.experiments.ExperimentSettings;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import dev.mmsearch.core.ImageRoots;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts one embedded node is made of, opened over one data directory: the Lucene
 * collection store, the model registry (in-process ONNX encoders) and the experiment runtime
 * (the staged retrieval pipelines of the current config). The CLI opens one per command; the
 * service opens one for its lifetime. {@link #search} is the one search path of both.
 */
public final class Engine implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Engine.class);
    /** Field of a hit in an image collection: the URL of the original image. */
    public static final String IMAGE_LINK = "_image";
    /** Field of a hit in an image collection: the URL of a small JPEG thumbnail. */
    public static final String THUMBNAIL_LINK = "_thumbnail";
    private final DataDirectory dataDirectory;
    private final EngineOptions options;
    private final ModelRegistry models;
    /** Where queries and documents are embedded: {@link #models} in-process, or remote inference nodes. */
    private final EncoderProvider encoders;
    /** {@link #encoders} with the rule for which of them may embed a query for a collection. */
    private final QueryEncoders queryEncoders;
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
        this.queryEncoders = new QueryEncoders(encoders, alignmentHint(encoders));
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
     * The one search path (REST API, {@code mmsearch search}, {@code mmsearch eval}): runs {@code query} through the
     * current experiment snapshot against its collection. The collection name is checked once, here, by the store
     * lookup; the query's model and retriever are applied by the pipeline ({@link QueryEncoders#resolve},
     * {@link CompiledExperiments#select}).
     *
     * @throws MmsearchException INVALID_ARGUMENT (bad collection name, unknown retriever, scene or arm),
     *                           COLLECTION_NOT_FOUND, MODEL_MISMATCH (the query names a model of another vector space)
     */
    public SearchResult search(SearchQuery query) {
        SearchCollection collection = store.get(query.collection());
        SearchResult result = experiments.current().execute(query, collection, queryEncoders);
        return collection.schema().isImageCollection() ? withImageLinks(result) : result;
    }

    /** The same result with {@value #IMAGE_LINK} and {@value #THUMBNAIL_LINK} URLs on every hit (image collections). */
    private static SearchResult withImageLinks(SearchResult result) {
        String base = "/api/v1/collections/" + result.collection() + "/";
        return result.withHits(result.hits().stream().map(h -> {
            String id = java.net.URLEncoder.encode(h.id(), java.nio.charset.StandardCharsets.UTF_8);
            Map<String, Object> fields = h.fields() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(h.fields());
            fields.put(IMAGE_LINK, base + "image?id=" + id);
            fields.put(THUMBNAIL_LINK, base + "thumbnail?id=" + id);
            return new Hit(h.id(), h.rank(), h.score(), h.scores(), fields);
        }).toList());
    }

    /**
     * In-process, a model's manifest says whether it is a text tower aligned to a collection's model, so a request
     * naming another model is refused without loading it; remote encoders are asked for the model's stamp instead.
     */
    private static QueryEncoders.AlignmentHint alignmentHint(EncoderProvider encoders) {
        if (!(encoders instanceof ModelRegistry registry)) {
            return QueryEncoders.AlignmentHint.NONE;
        }
        return (model, stamp) -> registry.alignment(model)
                .filter(a -> a.clipModelId().equals(stamp.modelId()) && a.clipChecksum().equals(stamp.checksum()))
                .isPresent();
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

    /**
     * Folders images may be read from: the uploaded images' folder ({@link DataDirectory#uploadedImages()}, first, once
     * it exists), {@code --image-root}, and the image folders indexed into this data dir.
     */
    public ImageRoots imageRoots() {
        // The recorded folders are re-read only when the file changed, so an image folder indexed by another command
        // while this node runs is served at once, without a file read and realpath per image request.
        long stamp = modifiedMillis(dataDirectory.imageRootsFile());
        boolean uploads = java.nio.file.Files.isDirectory(dataDirectory.uploadedImages());
        RootsSnapshot snapshot = rootsSnapshot;
        if (snapshot == null || snapshot.fileModified() != stamp || snapshot.uploads() != uploads) {
            List<Path> all = new java.util.ArrayList<>();
            if (uploads) {
                all.add(dataDirectory.uploadedImages());
            }
            all.addAll(imageRoots.roots());
            all.addAll(dataDirectory.recordedImageRoots());
            snapshot = new RootsSnapshot(stamp, uploads, ImageRoots.of(all.stream().distinct().toList()));
            rootsSnapshot = snapshot;
        }
        return snapshot.roots();
    }

    private record RootsSnapshot(long fileModified, boolean uploads, ImageRoots roots) {
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
