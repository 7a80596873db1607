package dev.mmsearch.store.lucene;

import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Forwards only the abstract methods of {@link SearchCollection}, so tests exercise the interface's defaults. */
record SearchCollectionDefaults(SearchCollection delegate) implements SearchCollection {
    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public ModelStamp stamp() {
        return delegate.stamp();
    }

    @Override
    public CollectionSchema schema() {
        return delegate.schema();
    }

    @Override
    public CollectionInfo info() {
        return delegate.info();
    }

    @Override
    public long count() {
        return delegate.count();
    }

    @Override
    public void upsert(List<EmbeddedDocument> documents) {
        delegate.upsert(documents);
    }

    @Override
    public void commit() {
        delegate.commit();
    }

    @Override
    public List<ScoredId> vectorSearch(float[] vector, int k, int numCandidates) {
        return delegate.vectorSearch(vector, k, numCandidates);
    }

    @Override
    public List<ScoredId> textSearch(String query, int k) {
        return delegate.textSearch(query, k);
    }

    @Override
    public Map<String, Document> fetch(List<String> ids) {
        return delegate.fetch(ids);
    }

    @Override
    public void forEachDocument(Consumer<EmbeddedDocument> consumer) {
        delegate.forEachDocument(consumer);
    }
}
