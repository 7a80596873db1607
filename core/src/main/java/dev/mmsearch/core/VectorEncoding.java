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
    INT8,
    /**
     * 4-bit scalar quantisation (Lucene's optimized scalar quantisation, two dimensions per byte; Elasticsearch's
     * {@code int4_hnsw}): about 8x less memory to search than FLOAT32. Its similarities alone cost recall, so every
     * search is rescored: the graph is searched for {@link #rescoreOversample()} times {@code k} candidates and
     * those are ranked again with the full-precision vectors kept beside the quantised ones.
     */
    INT4,
    /**
     * 1-bit quantisation of the documents (4-bit queries; Lucene's optimized scalar quantisation, close to
     * Elasticsearch's {@code bbq_hnsw}): about 32x less memory to search than FLOAT32, rescored as {@link #INT4}.
     */
    INT1;

    /**
     * How many times {@code k} candidates a search takes from the graph and ranks again with the full-precision
     * vectors: 1 (no rescoring) for FLOAT32 and INT8, 3 for INT4 and INT1 (as Elasticsearch's default
     * {@code rescore_vector.oversample} for its quantised formats; issue 18's ANN run 2 measured int4 and int1 at
     * 100k: recall@10 0.837 / 0.625 as searched, 0.98-1.00 / 0.94-1.00 rescored 3x).
     */
    public int rescoreOversample() {
        return this == INT4 || this == INT1 ? 3 : 1;
    }

    /**
     * Parses {@code float32} / {@code int8} / {@code int4} / {@code int1} (any case).
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
                + "'; use float32, int8, int4 or int1");
    }

    /** The lower-case name used in options and listings ({@code float32}, {@code int8}, {@code int4}, {@code int1}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
