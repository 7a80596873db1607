package dev.mmsearch.core;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One collection in a store: its metadata (name, model stamp, schema, info), its writing side
 * ({@link CollectionWriter}) and point-in-time read views ({@link #openView()}). Thread-safe.
 *
 * <p>Reads go through a view: a search request opens one and runs every stage against it. The one-shot reads
 * below ({@link #search(VectorQuery)}, {@link #fetch(List)}, ...) open a view for a single call, for tools and
 * tests that need no consistency across calls.
 */
public interface SearchCollection extends CollectionWriter {

    String name();

    ModelStamp stamp();

    CollectionSchema schema();

    CollectionInfo info();

    /** How the vectors are indexed for the HNSW search; fixed when the collection was created. */
    VectorEncoding vectorEncoding();

    /** Documents visible to new views now. */
    long count();

    /** A point-in-time view of what is committed (and visible) now. The caller closes it. */
    CollectionView openView();

    /** {@link CollectionView#search(VectorQuery)} on a view of its own. */
    default List<ScoredId> search(VectorQuery query) {
        try (CollectionView view = openView()) {
            return view.search(query);
        }
    }

    /** {@link CollectionView#search(TextQuery)} on a view of its own. */
    default List<ScoredId> search(TextQuery query) {
        try (CollectionView view = openView()) {
            return view.search(query);
        }
    }

    /** Stored documents by id, in the order of {@code ids}, on a view of their own; missing ids are left out. */
    default Map<String, Document> fetch(List<String> ids) {
        try (CollectionView view = openView()) {
            return view.fetch(DocRef.ofIds(ids));
        }
    }

    /** The stored full-precision vectors by id ({@link CollectionView#vectors}), on a view of their own. */
    default Map<String, float[]> vectors(List<String> ids) {
        try (CollectionView view = openView()) {
            return view.vectors(DocRef.ofIds(ids));
        }
    }

    /**
     * The highlighted fragments of one stored document ({@link CollectionView#highlight}), on a view of its own: field
     * to fragments, fields without a match left out; empty for an unknown id.
     */
    default Map<String, List<HighlightFragment>> highlight(String id, String query, List<String> fields) {
        if (id == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "highlight needs a document id, a query and"
                    + " fields; got id=null query=" + query + " fields=" + fields);
        }
        try (CollectionView view = openView()) {
            Document document = view.fetch(List.of(DocRef.of(id))).get(id);
            return document == null ? Map.of()
                    : view.highlight(List.of(document), query, fields).getOrDefault(id, Map.of());
        }
    }

    /** {@link CollectionView#forEachDocument} on a view of its own: writes during the walk are not seen. */
    default void forEachDocument(Consumer<EmbeddedDocument> consumer) {
        try (CollectionView view = openView()) {
            view.forEachDocument(consumer);
        }
    }
}
