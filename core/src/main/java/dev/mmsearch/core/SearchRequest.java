package dev.mmsearch.core;

/**
 * A validated search request.
 *
 * @param query     the user's text; never blank
 * @param retriever dense (the collection's model) or bm25
 * @param topK      hits per page, 1..{@value #MAX_TOP_K}
 * @param offset    hits to skip; {@code offset + topK <= }{@value #MAX_DEPTH}
 * @param model     optional model id the caller expects the collection to use; a different one is a 409
 * @param debug     include per-stage detail in the response
 */
public record SearchRequest(String query, Retriever retriever, int topK, int offset, String model, boolean debug) {
    public static final int DEFAULT_TOP_K = 10;
    public static final int MAX_TOP_K = 1000;
    public static final int MAX_DEPTH = 10_000;
    /** Longest query accepted, in characters; longer text is refused before it reaches the model (the model truncates at its token limit anyway). */
    public static final int MAX_QUERY_CHARS = 100_000;

    public SearchRequest {
        if (query == null || query.isBlank()) {
            throw new MmsearchException(ErrorCode.EMPTY_QUERY, "query is empty; send a non-blank \"query\"");
        }
        if (query.length() > MAX_QUERY_CHARS) {
            throw new MmsearchException(ErrorCode.PAYLOAD_TOO_LARGE,
                    "query has " + query.length() + " characters; the limit is " + MAX_QUERY_CHARS);
        }
        if (retriever == null) {
            retriever = Retriever.DENSE;
        }
        if (topK < 1 || topK > MAX_TOP_K) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "topK must be between 1 and " + MAX_TOP_K + ", got " + topK);
        }
        if (offset < 0) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "offset must not be negative, got " + offset);
        }
        if ((long) offset + topK > MAX_DEPTH) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT,
                    "offset + topK must be at most " + MAX_DEPTH + " (result depth is bounded), got " + ((long) offset + topK));
        }
    }

    public static SearchRequest of(String query) {
        return new SearchRequest(query, Retriever.DENSE, DEFAULT_TOP_K, 0, null, false);
    }
}
