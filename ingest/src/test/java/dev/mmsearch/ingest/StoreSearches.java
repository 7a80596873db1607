package dev.mmsearch.ingest;

import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorQuery;
import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.EncoderProvider;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.TextEncoder;
import java.util.List;

/**
 * Plain store searches for the evaluation tests of this module (which sits below the retrieval pipeline): dense =
 * the query encoded with the corpus model and an HNSW search with at least 100 candidates; BM25 = the store's text
 * search. The product's path, {@code mmsearch eval} through {@code Engine.search}, is tested in the server.
 */
final class StoreSearches {
    private StoreSearches() {
    }

    static BeirEvaluation.Search dense(CollectionStore store, EncoderProvider encoders, String model) {
        TextEncoder encoder = encoders.textEncoder(model);
        return (collection, text, depth) -> ids(store.get(collection).search(VectorQuery.of(encoder.encodeQuery(text), depth,
                Math.max(100, depth))));
    }

    static BeirEvaluation.Search bm25(CollectionStore store) {
        return (collection, text, depth) -> ids(store.get(collection).search(TextQuery.of(text, depth)));
    }

    private static List<String> ids(List<ScoredId> hits) {
        return hits.stream().map(ScoredId::id).toList();
    }
}
