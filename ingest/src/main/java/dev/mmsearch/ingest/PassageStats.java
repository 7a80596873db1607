package dev.mmsearch.ingest;

/**
 * What splitting into passages did in one run: documents embedded, documents split into more than one passage,
 * passages embedded, and documents of which some text was still not embedded (the passage cap, or a passage the
 * model still truncated). Truncation is counted, never silent.
 */
public record PassageStats(long documents, long split, long passages, long truncated) {
    public static final PassageStats NONE = new PassageStats(0, 0, 0, 0);

    /** Passages per document. */
    public double passagesPerDocument() {
        return documents == 0 ? 0 : (double) passages / documents;
    }

    /** The counts of this run minus those of {@code before} (the same embedder's counts at an earlier point). */
    public PassageStats since(PassageStats before) {
        return new PassageStats(documents - before.documents, split - before.split, passages - before.passages,
                truncated - before.truncated);
    }

    /** {@code 5183 documents in 9120 passages (1,203 split, 0 truncated)}. */
    public String toLine() {
        return documents + " documents in " + passages + " passages (" + split + " split, " + truncated + " truncated)";
    }
}
