package dev.mmsearch.core;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A point-in-time read view of one collection: every call on one view sees the same documents, whatever is written
 * meanwhile. A search request opens one view ({@link SearchCollection#openView()}), runs its recalls, ranks and
 * summary against it and closes it, so the fields a hit shows are those of the document that was scored.
 *
 * <p>Not thread-safe: one request, one thread. Close it as soon as the request is done (a Lucene view pins the
 * index files of its commit until then). The embedded store's view is exactly one searcher; the OpenSearch store
 * reads the refreshed index at each call (see its class comment for what that means while writes arrive).
 */
public interface CollectionView extends AutoCloseable {

    /** Documents in this view. */
    long count();

    /**
     * Approximate nearest neighbours (HNSW), best first, with the filter inside the graph search; see
     * {@link VectorQuery}. Each hit carries its position in this view ({@link ScoredId#ref()}).
     *
     * @throws MmsearchException INVALID_ARGUMENT for a vector that does not fit the collection or a filter on a
     *                           field the schema does not make filterable
     */
    List<ScoredId> search(VectorQuery query);

    /**
     * BM25, best first; see {@link TextQuery}. A query with no terms left after analysis (blank, only stop words)
     * finds nothing.
     *
     * @throws MmsearchException INVALID_ARGUMENT for a boost on a field that is not a text field, a filter the
     *                           schema cannot apply, or a query over the store's clause limit
     */
    List<ScoredId> search(TextQuery query);

    /** Stored documents, in the order of {@code refs}; references to documents not in this view are left out. */
    Map<String, Document> fetch(List<DocRef> refs);

    /**
     * The full-precision stored vectors (the floats that were written, also in a quantised collection), in the
     * order of {@code refs}; documents not in this view are left out. The arrays are copies.
     */
    Map<String, float[]> vectors(List<DocRef> refs);

    /**
     * Best-matching fragments of {@code fields} of each document (as just read with {@link #fetch}) for the BM25
     * terms of {@code query}: document id to its fields' fragments, in the order of {@code documents}; fields and
     * documents without a match are left out. A fragment is raw text cut into runs, each flagged as a match of the
     * query or not ({@link HighlightFragment}); a client renders the runs as text. The query is prepared once for the
     * page.
     *
     * @throws MmsearchException INVALID_ARGUMENT for null documents, query or fields
     */
    Map<String, Map<String, List<HighlightFragment>>> highlight(List<Document> documents, String query,
                                                            List<String> fields);

    /** Every document of this view with its stored vector, in index order. For export and re-indexing. */
    void forEachDocument(Consumer<EmbeddedDocument> consumer);

    /** Releases the view. Idempotent; a closed view must not be used again. */
    @Override
    void close();
}
