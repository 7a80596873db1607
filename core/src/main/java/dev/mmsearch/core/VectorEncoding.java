package dev.mmsearch.core;

import java.util.Locale;

/**
 * How a collection indexes its vectors for the HNSW search, chosen when the collection is created and
 * fixed for its life. Either way the full-precision vectors are kept, so
 * {@link SearchCollection#vectors(java.util.List)} and a {@code rescore} stage see the exact floats.
 */
public enum VectorEncoding {
    /** 32-bit floats: exact similarities, 4 bytes per dimension in the graph search. */
    FLOAT32,
    /**
     * 8-bit scalar quantisation of each dimension for the graph search (about 4x less memory to search, the
     * float vectors stay on disk beside the quantised ones); similarities are approximate.
     */
    INT8;

    /**
     * Parses {@code float32} / {@code int8} (any case).
     *
     * @throws MmsearchException INVALID_ARGUMENT for anything else
     */
    public static VectorEncoding parse(String value) {
        if (value != null) {
            for (VectorEncoding encoding : values()) {
                if (encoding.name().equalsIgnoreCase(value.trim())) {
                    return encoding;
                }
            }
        }
        throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "unknown vector encoding '" + value
                + "'; use float32 or int8");
    }

    /** The lower-case name used in options and listings ({@code float32}, {@code int8}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
