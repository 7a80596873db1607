package dev.mmsearch.core;

/**
 * One candidate from a recall: the document id, the retriever's score (higher is better), where the view that
 * found it keeps it ({@code doc}, -1 when the store has no positions; see {@link DocRef}) and, for a vector search in
 * a collection with passages, the passage that matched best (null otherwise).
 */
public record ScoredId(String id, float score, int doc, PassageMatch passage) {
    /** A candidate without a position (a store that identifies documents by id alone). */
    public ScoredId(String id, float score) {
        this(id, score, DocRef.UNKNOWN, null);
    }

    /** A candidate of a view with positions, no passage. */
    public ScoredId(String id, float score, int doc) {
        this(id, score, doc, null);
    }

    /** The reference to hand back to the view that found this candidate. */
    public DocRef ref() {
        return new DocRef(id, doc);
    }
}
