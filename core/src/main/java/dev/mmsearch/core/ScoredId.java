package dev.mmsearch.core;

/**
 * One candidate from a recall: the document id, the retriever's score (higher is better) and where the view that
 * found it keeps it ({@code doc}, -1 when the store has no positions; see {@link DocRef}).
 */
public record ScoredId(String id, float score, int doc) {
    /** A candidate without a position (a store that identifies documents by id alone). */
    public ScoredId(String id, float score) {
        this(id, score, DocRef.UNKNOWN);
    }

    /** The reference to hand back to the view that found this candidate. */
    public DocRef ref() {
        return new DocRef(id, doc);
    }
}
