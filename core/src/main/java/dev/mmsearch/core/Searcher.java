package dev.mmsearch.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers one search request against a store: encode the query with the collection's model
 * (dense) or analyse it (BM25), recall {@code offset + topK} candidates, fetch the page's
 * stored fields. Stateless and thread-safe; the CLI and the REST API share it.
 */
public final class Searcher {
    /** HNSW candidate list size for a top-k dense search: at least this many, and at least k. */
    public static final int MIN_NUM_CANDIDATES = 100;

    private final CollectionStore store;
    private final EncoderProvider encoders;

    public Searcher(CollectionStore store, EncoderProvider encoders) {
        this.store = store;
        this.encoders = encoders;
    }

    public SearchResponse search(String collectionName, SearchRequest request) {
        long start = System.nanoTime();
        SearchCollection collection = store.get(collectionName);
        ModelStamp stamp = collection.stamp();
        if (request.model() != null && !request.model().isBlank() && !request.model().equals(stamp.modelId())) {
            throw new MmsearchException(ErrorCode.MODEL_MISMATCH, "collection '" + collectionName
                    + "' was built with model " + stamp.describe() + " but the request asked for model '"
                    + request.model() + "'; search it with " + stamp.modelId() + " or re-index it");
        }
        Map<String, Double> timings = new LinkedHashMap<>();
        int depth = request.offset() + request.topK();
        List<ScoredId> candidates;
        if (request.retriever() == Retriever.DENSE) {
            long t0 = System.nanoTime();
            TextEncoder encoder = encoders.textEncoder(stamp.modelId());
            ModelStamp.requireCompatible(collectionName, stamp, encoder.stamp());
            float[] vector = encoder.encodeQuery(request.query());
            timings.put("encode", millisSince(t0));
            long t1 = System.nanoTime();
            candidates = collection.search(VectorQuery.of(vector, depth, Math.max(MIN_NUM_CANDIDATES, depth)));
            timings.put("recall", millisSince(t1));
        } else {
            long t1 = System.nanoTime();
            candidates = collection.search(TextQuery.of(request.query(), depth));
            timings.put("recall", millisSince(t1));
        }
        long t2 = System.nanoTime();
        List<ScoredId> page = request.offset() >= candidates.size() ? List.of()
                : candidates.subList(request.offset(), Math.min(depth, candidates.size()));
        Map<String, Document> docs = collection.fetch(page.stream().map(ScoredId::id).toList());
        List<Hit> hits = new ArrayList<>(page.size());
        String label = request.retriever().label();
        for (int i = 0; i < page.size(); i++) {
            ScoredId c = page.get(i);
            Document d = docs.get(c.id());
            hits.add(new Hit(c.id(), request.offset() + i + 1, c.score(), Map.of(label, c.score()),
                    d == null ? Map.of() : d.fields()));
        }
        timings.put("fetch", millisSince(t2));
        timings.put("total", millisSince(start));
        return new SearchResponse(collectionName, label, stamp.modelId(), request.offset(), request.topK(), hits, timings);
    }

    private static double millisSince(long startNanos) {
        return Math.round((System.nanoTime() - startNanos) / 1_000.0) / 1_000.0;
    }
}
