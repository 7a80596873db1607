package dev.mmsearch.core;

import java.util.List;
import java.util.Map;
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

    /** Documents visible to searches now. */
    long count();

    /**
     * Adds documents, replacing any with the same id. Each vector must have the stamp's dimension.
     *
     * @throws MmsearchException INVALID_INPUT when a vector has the wrong dimension (nothing of the call is written)
     */
    void upsert(List<EmbeddedDocument> documents);

    /** Makes all writes so far durable and visible. */
    void commit();

    /** Approximate nearest neighbours of {@code vector} (HNSW), best first; for COSINE stamps the score is the cosine similarity in [-1, 1]. */
    List<ScoredId> vectorSearch(float[] vector, int k, int numCandidates);

    /** BM25 over the schema's text fields, best first. */
    List<ScoredId> textSearch(String query, int k);

    /** Stored documents by id, in the order of {@code ids}; ids that do not exist are left out. */
    Map<String, Document> fetch(List<String> ids);

    /**
     * Every committed document with its stored vector, in index order, from one point-in-time
     * view (writes during the walk are not seen). For export, vector bundles and re-indexing.
     */
    void forEachDocument(Consumer<EmbeddedDocument> consumer);
}
