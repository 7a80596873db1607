package dev.mmsearch.core;

import java.util.List;

/**
 * Turns text into embeddings. Queries and documents are separate calls because many models
 * (bge, e5) expect different prefixes on the two sides. Implementations are thread-safe and
 * own native resources, so they are closed when no longer needed.
 */
public interface TextEncoder extends AutoCloseable {

    /** The stamp a collection built with this encoder records. */
    ModelStamp stamp();

    default int dimension() {
        return stamp().dimension();
    }

    /** Longest input in tokens (special tokens included); longer input is truncated, not refused. */
    int maxSequenceLength();

    /** Embeds queries (the query prefix applied), one vector per input, in order. */
    float[][] encodeQueries(List<String> queries);

    /** Embeds documents (the document prefix applied), one vector per input, in order. */
    float[][] encodeDocuments(List<String> documents);

    default float[] encodeQuery(String query) {
        return encodeQueries(List.of(query))[0];
    }

    /** Number of tokens the model would see for this document (after truncation); used to batch by length. */
    int countTokens(String text);

    /**
     * {@link #countTokens(String)} for each text, in order. Encoders behind a network override it to ask once for
     * all texts.
     */
    default int[] countTokens(List<String> texts) {
        if (texts == null) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "the list of texts to count must not be null");
        }
        int[] counts = new int[texts.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = countTokens(texts.get(i));
        }
        return counts;
    }

    @Override
    void close();
}
