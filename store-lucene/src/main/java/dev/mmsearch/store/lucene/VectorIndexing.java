package dev.mmsearch.store.lucene;

import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.core.VectorSimilarity;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.quantization.QuantizedByteVectorValues.ScalarEncoding;

/**
 * The one place that decides how vectors are indexed and how Lucene's vector scores map back to the
 * stamp's metric. The {@link VectorEncoding} of a collection picks the vector format: FLOAT32 is
 * Lucene's float HNSW, INT8 its scalar-quantised HNSW ({@link Lucene104HnswScalarQuantizedVectorsFormat},
 * one unsigned byte per dimension, with the raw floats kept in the same segment for exact reads and
 * re-quantisation on merge). Readers need nothing: Lucene records the per-field format name in the
 * segment and looks it up by SPI, so the codec only matters for writing.
 */
final class VectorIndexing {

    /** HNSW graph degree (Lucene's default). */
    static final int MAX_CONN = 16;
    /** HNSW candidate list size while building the graph (Lucene's default). */
    static final int BEAM_WIDTH = 100;
    /** Largest dimension the float HNSW format accepts. */
    static final int MAX_DIMENSIONS = 1024;

    private static final KnnVectorsFormat FLOAT_HNSW = new Lucene99HnswVectorsFormat(MAX_CONN, BEAM_WIDTH);
    private static final KnnVectorsFormat INT8_HNSW = new Lucene104HnswScalarQuantizedVectorsFormat(
            ScalarEncoding.UNSIGNED_BYTE, MAX_CONN, BEAM_WIDTH);

    private VectorIndexing() {
    }

    /**
     * The codec a collection is written with: Lucene's default codec with the vector format of
     * {@code encoding} (its per-field vector format hook). The codec name stays Lucene's ("Lucene104"), so
     * indices open with a stock Lucene of the same version.
     */
    static Codec codec(VectorEncoding encoding) {
        KnnVectorsFormat format = vectorsFormat(encoding);
        return new Lucene104Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return format;
            }
        };
    }

    /** The vector format for {@code encoding}. */
    static KnnVectorsFormat vectorsFormat(VectorEncoding encoding) {
        return switch (encoding) {
            case FLOAT32 -> FLOAT_HNSW;
            case INT8 -> INT8_HNSW;
        };
    }

    /**
     * Lucene's function for a stamp metric. COSINE stays COSINE rather than DOT_PRODUCT: DOT_PRODUCT is
     * only correct for unit vectors, and Lucene's SIMD cosine is fast enough that checking every vector's
     * norm buys little. DOT_PRODUCT stamps use MAXIMUM_INNER_PRODUCT, the form that is correct for
     * vectors of any length.
     */
    static VectorSimilarityFunction luceneFunction(VectorSimilarity metric) {
        return switch (metric) {
            case COSINE -> VectorSimilarityFunction.COSINE;
            case DOT_PRODUCT -> VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT;
            case EUCLIDEAN -> VectorSimilarityFunction.EUCLIDEAN;
        };
    }

    /**
     * Turns a Lucene kNN score back into the metric's own similarity (higher is better):
     * <ul>
     *   <li>COSINE: Lucene scores {@code (1 + cos) / 2}; we return {@code cos} itself, in [-1, 1]
     *       (1 = same direction), so scores mean the same as in any other cosine tool.</li>
     *   <li>DOT_PRODUCT: Lucene scores {@code 1 / (1 - dot)} for negative and {@code dot + 1} for
     *       positive products; we return {@code dot}.</li>
     *   <li>EUCLIDEAN: Lucene's {@code 1 / (1 + d²)} in (0, 1] is kept (a distance is not a score).</li>
     * </ul>
     */
    static float similarity(VectorSimilarity metric, float luceneScore) {
        return switch (metric) {
            case COSINE -> Math.max(-1f, Math.min(1f, 2f * luceneScore - 1f));
            case DOT_PRODUCT -> luceneScore < 1f ? 1f - 1f / luceneScore : luceneScore - 1f;
            case EUCLIDEAN -> luceneScore;
        };
    }
}
