package dev.mmsearch.server;

import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.EncoderProvider;
import dev.mmsearch.core.Searcher;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.store.lucene.LuceneCollectionStore;

/**
 * The parts one embedded node is made of, opened over one data directory: the Lucene
 * collection store, the model registry (in-process ONNX encoders) and the searcher on top.
 * The CLI opens one per command; the service opens one for its lifetime.
 */
public final class Engine implements AutoCloseable {
    private final DataDirectory dataDirectory;
    private final ModelRegistry models;
    private final LuceneCollectionStore store;
    private final Searcher searcher;

    public Engine(DataDirectory dataDirectory, EngineOptions options) {
        this.dataDirectory = dataDirectory;
        this.models = new ModelRegistry(dataDirectory.models(), options.modelOptions());
        this.store = new LuceneCollectionStore(dataDirectory.collections());
        this.searcher = new Searcher(store, models);
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

    public Searcher searcher() {
        return searcher;
    }

    @Override
    public void close() {
        try {
            store.close();
        } finally {
            models.close();
        }
    }
}
