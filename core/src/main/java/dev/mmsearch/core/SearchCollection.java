package dev.mmsearch.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One collection in a store: documents, their vectors, and the model stamp. Thread-safe.
 * Writes become visible to searches and durable on {@link #commit()}; a crash loses at most
 * the writes since the last commit and never leaves a half-written collection.
 */
public interface SearchCollection {

    String name();

    ModelStamp stamp();

    CollectionSchema schema();

    CollectionInfo info();

    /** How the vectors are indexed for the HNSW search; fixed when the collection was created. */
    default VectorEncoding vectorEncoding() {
        return VectorEncoding.FLOAT32;
    }

    /** Documents visible to searches now. */
    long count();

    /**
     * Adds documents, replacing any with the same id. Each vector must have the stamp's dimension.
     *
     * @throws MmsearchException INVALID_INPUT when a vector has the wrong dimension (nothing of the call is written)
     */
    void upsert(List<EmbeddedDocument> documents);

    /**
     * Removes the documents with these ids; ids that do not exist are ignored. Like {@link #upsert}, the removal
     * becomes visible and durable on {@link #commit()}. This default refuses; stores that can delete override it.
     *
     * @throws MmsearchException INVALID_ARGUMENT for a null or blank id, or when the store cannot delete documents
     */
    default void delete(List<String> ids) {
        throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "collection '" + name()
                + "' does not support deleting documents");
    }

    /**
     * Removes every document that matches {@code filter} (keyword and numeric fields of the schema). Visible and
     * durable on {@link #commit()}, like {@link #delete(List)}. This default refuses.
     *
     * @return how many committed documents matched (writes not yet committed are not counted, but are deleted)
     * @throws MmsearchException INVALID_ARGUMENT for a filter on a field the schema cannot filter, or a store that
     *                           cannot delete by filter
     */
    default long deleteMatching(Filter filter) {
        throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "collection '" + name()
                + "' does not support deleting documents by filter");
    }

    /**
     * Makes all writes so far durable and visible. In a store that keeps checkpoints, committing writes
     * this way removes the checkpoint (it no longer describes what the collection holds).
     */
    void commit();

    /**
     * {@link #commit()}, and records {@code checkpoint} in the same commit, atomically with the writes it
     * describes (a crash leaves both or neither). It replaces the previous checkpoint; an empty map removes it.
     * Keys and values are opaque to the store: a writer (e.g. the indexer) describes how far it got.
     *
     * <p>This default commits and keeps no checkpoint ({@link #checkpoint()} stays empty), which makes a
     * resuming writer start from the beginning: slower, never wrong.
     *
     * @throws MmsearchException INVALID_ARGUMENT for a null or blank key or a null value
     */
    default void commit(Map<String, String> checkpoint) {
        Objects.requireNonNull(checkpoint, "checkpoint");
        commit();
    }

    /**
     * Commits, then merges the index into as few parts as the store allows and commits again, keeping the
     * checkpoint; searches keep working meanwhile. Worth it after a bulk load: a Lucene index searches each
     * segment's HNSW graph on its own, so 13 segments answered vector queries at 0.07x the speed of one
     * (docs/benchmarks.md, ANN section). It rewrites the whole index, so it is not for small incremental writes.
     * This default only commits.
     *
     * @return the number of index parts (segments) before the merge; -1 when the store does not say
     */
    default int optimize() {
        commit();
        return -1;
    }

    /** The checkpoint of the last commit ({@link #commit(Map)}); empty when there is none. Never null. */
    default Map<String, String> checkpoint() {
        return Map.of();
    }

    /** Approximate nearest neighbours of {@code vector} (HNSW), best first; for COSINE stamps the score is the cosine similarity in [-1, 1]. */
    List<ScoredId> vectorSearch(float[] vector, int k, int numCandidates);

    /** BM25 over the schema's text fields, best first. */
    List<ScoredId> textSearch(String query, int k);

    /**
     * {@link #vectorSearch(float[], int, int)} restricted to documents matching {@code filter}
     * (null = all), applied inside the HNSW search so a selective filter still yields k hits.
     *
     * @throws MmsearchException INVALID_ARGUMENT when the filter names a field the schema does not make filterable
     */
    default List<ScoredId> vectorSearch(float[] vector, int k, int numCandidates, Filter filter) {
        if (filter != null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "collection '" + name() + "' does not support filters");
        }
        return vectorSearch(vector, k, numCandidates);
    }

    /** {@link #textSearch(String, int)} restricted to documents matching {@code filter} (null = all). */
    default List<ScoredId> textSearch(String query, int k, Filter filter) {
        if (filter != null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "collection '" + name() + "' does not support filters");
        }
        return textSearch(query, k);
    }

    /**
     * BM25 over chosen text fields, each with its own weight: the sum over {@code fieldBoosts} of
     * {@code boost x BM25 of the query on that field alone} (each field with its own length normalisation
     * and statistics). Fields not named are not searched. Null or empty boosts: the same as
     * {@link #textSearch(String, int, Filter)} over all text fields together.
     *
     * @throws MmsearchException INVALID_ARGUMENT for a field that is not a text field of the schema, a boost
     *                           that is not a positive finite number, or a store/collection without per-field
     *                           text (this default supports only empty boosts)
     */
    default List<ScoredId> textSearch(String query, int k, Filter filter, Map<String, Float> fieldBoosts) {
        if (fieldBoosts != null && !fieldBoosts.isEmpty()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "collection '" + name()
                    + "' does not support per-field BM25 boosts; leave the field boosts out");
        }
        return textSearch(query, k, filter);
    }

    /**
     * Best-matching fragments of {@code fields} of document {@code id} for the BM25 terms of
     * {@code query}, each as runs of raw text flagged as matches or not ({@link HighlightFragment}; nothing is
     * escaped, a client inserts the runs as text). Fields without a match are left out.
     * A store without highlighting returns an empty map.
     */
    default Map<String, List<HighlightFragment>> highlight(String id, String query, List<String> fields) {
        return Map.of();
    }

    /** The argument check of {@link #highlightDocuments}, shared by the stores that override it. */
    static void requireHighlightArguments(List<Document> documents, String query, List<String> fields) {
        if (documents == null || query == null || fields == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "highlight needs documents, a query and"
                    + " fields; got documents=" + documents + " query=" + query + " fields=" + fields);
        }
    }

    /**
     * {@link #highlight(String, String, List)} for a page of documents just read with {@link #fetch}: document id to
     * its highlighted fields, in the order of {@code documents}; documents without a match are left out. A store
     * does it in one go where it can (the embedded store highlights the given text without reading it again and
     * prepares the query once; OpenSearch answers one request for the page, highlighting its stored copies of these
     * ids). The default asks {@link #highlight(String, String, List)} for each document.
     */
    default Map<String, Map<String, List<HighlightFragment>>> highlightDocuments(List<Document> documents,
                                                                                String query, List<String> fields) {
        requireHighlightArguments(documents, query, fields);
        Map<String, Map<String, List<HighlightFragment>>> highlighted = new LinkedHashMap<>();
        for (Document document : documents) {
            Map<String, List<HighlightFragment>> fragments = highlight(document.id(), query, fields);
            if (!fragments.isEmpty()) {
                highlighted.put(document.id(), fragments);
            }
        }
        return highlighted;
    }

    /** Stored documents by id, in the order of {@code ids}; ids that do not exist are left out. */
    Map<String, Document> fetch(List<String> ids);

    /**
     * The full-precision stored vectors of {@code ids} (the floats that were written, also in a quantised
     * collection), in the order of {@code ids}; ids that do not exist are left out. The arrays are copies.
     *
     * <p>This default walks every document ({@link #forEachDocument}); stores override it with a lookup by id.
     */
    default Map<String, float[]> vectors(List<String> ids) {
        Objects.requireNonNull(ids, "ids");
        Map<String, float[]> found = new java.util.HashMap<>();
        java.util.Set<String> wanted = new java.util.HashSet<>(ids);
        forEachDocument(document -> {
            if (wanted.contains(document.id())) {
                found.put(document.id(), document.vector());
            }
        });
        Map<String, float[]> ordered = new LinkedHashMap<>();
        for (String id : ids) {
            if (id != null && found.containsKey(id)) {
                ordered.put(id, found.get(id));
            }
        }
        return ordered;
    }

    /**
     * Every committed document with its stored vector, in index order, from one point-in-time
     * view (writes during the walk are not seen). For export, vector bundles and re-indexing.
     */
    void forEachDocument(Consumer<EmbeddedDocument> consumer);
}
