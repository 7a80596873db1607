package dev.mmsearch.core;

import java.util.Locale;

/** Which recall answers a request. Hybrid fusion arrives with the retrieval pipeline. */
public enum Retriever {
    DENSE, BM25;

    public static Retriever parse(String value) {
        if (value == null || value.isBlank()) {
            return DENSE;
        }
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT,
                    "unknown retriever '" + value + "'; use one of: dense, bm25");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
