package dev.mmsearch.store.lucene;

import dev.mmsearch.core.HnswOptions;
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
 * re-quantisation on merge); INT4 and INT1 the same format with 4-bit and 1-bit (4-bit query) encodings, whose
 * searches {@link LuceneQueries} rescore with the raw floats. Readers need nothing: Lucene records the per-field format name in the
 * segment and looks it up by SPI, so the codec only matters for writing.
 */
final class VectorIndexing {

    /** Largest dimension the float HNSW format accepts. */
    static final int MAX_DIMENSIONS = 1024;

    private VectorIndexing() {
    }

    /**
     * The codec a collection is written with: Lucene's default codec with the vector format of
     * {@code encoding} and the graph options {@code hnsw} (its per-field vector format hook).
     * Merges write with the same codec, so a merged segment's graph is built with the same options. The codec name stays Lucene's ("Lucene104"), so
     * indices open with a stock Lucene of the same version.
     */
    static Codec codec(VectorEncoding encoding, HnswOptions hnsw) {
        KnnVectorsFormat format = vectorsFormat(encoding, hnsw);
        return new Lucene104Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return format;
            }
        };
    }

    /** The vector format for {@code encoding}, its graph built with {@code hnsw}. */
    static KnnVectorsFormat vectorsFormat(VectorEncoding encoding, HnswOptions hnsw) {
        return switch (encoding) {
            case FLOAT32 -> new Lucene99HnswVectorsFormat(hnsw.m(), hnsw.beamWidth());
            case INT8 -> new Lucene104HnswScalarQuantizedVectorsFormat(ScalarEncoding.UNSIGNED_BYTE, hnsw.m(),
                    hnsw.beamWidth());
            case INT4 -> new Lucene104HnswScalarQuantizedVectorsFormat(ScalarEncoding.PACKED_NIBBLE, hnsw.m(),
                    hnsw.beamWidth());
            case INT1 -> new Lucene104HnswScalarQuantizedVectorsFormat(ScalarEncoding.SINGLE_BIT_QUERY_NIBBLE,
                    hnsw.m(), hnsw.beamWidth());
        };
    }

    /**
     * How much a vector's length may differ from 1 and still be indexed as it is in a COSINE collection (see
     * {@link #luceneFunction}). At this tolerance the dot product differs from the cosine by at most 1e-4, far below
     * what changes a ranking of real embeddings (an INT8 collection's own error is about 1e-2).
     */
    static final float UNIT_TOLERANCE = 1e-4f;

    /**
     * Lucene's function for the vector field of a collection created now, for stamp metric {@code metric}:
     * <ul>
     *   <li>COSINE: DOT_PRODUCT over vectors made unit length when they are written and queried (as Elasticsearch
     *       indexes {@code cosine}). The ranking and the score are the cosine's (Lucene scores both as
     *       {@code (1 + x) / 2}), but Lucene's COSINE computes both norms in every comparison: DOT_PRODUCT searched
     *       5-12% more queries per second and built the graph 10-18% faster on the same unit vectors (issue 18, ANN
     *       run 2, docs/benchmarks.md). A vector that was not unit length is also kept as written
     *       ({@value IndexLayout#VECTOR_ORIGINAL_FIELD}), so reads give it back bit for bit.</li>
     *   <li>DOT_PRODUCT: MAXIMUM_INNER_PRODUCT, the form that is correct for vectors of any length.</li>
     *   <li>EUCLIDEAN: EUCLIDEAN.</li>
     * </ul>
     */
    static VectorSimilarityFunction luceneFunction(VectorSimilarity metric) {
        return metric == VectorSimilarity.COSINE ? VectorSimilarityFunction.DOT_PRODUCT : legacyFunction(metric);
    }

    /**
     * The function of collections written before storage format 3, which indexed COSINE as Lucene's COSINE; they
     * keep it (a Lucene field cannot change its function), so they search and accept writes as before.
     */
    static VectorSimilarityFunction legacyFunction(VectorSimilarity metric) {
        return switch (metric) {
            case COSINE -> VectorSimilarityFunction.COSINE;
            case DOT_PRODUCT -> VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT;
            case EUCLIDEAN -> VectorSimilarityFunction.EUCLIDEAN;
        };
    }

    /** Whether a collection with {@code metric} indexed with {@code function} holds (and is queried with) unit vectors. */
    static boolean normalises(VectorSimilarity metric, VectorSimilarityFunction function) {
        return metric == VectorSimilarity.COSINE && function == VectorSimilarityFunction.DOT_PRODUCT;
    }

    /** The Euclidean length of {@code vector}. */
    static float norm(float[] vector) {
        return (float) Math.sqrt(org.apache.lucene.util.VectorUtil.dotProduct(vector, vector));
    }

    /** A copy of {@code vector} with every component multiplied by {@code factor}. */
    static float[] scaled(float[] vector, float factor) {
        float[] copy = new float[vector.length];
        for (int i = 0; i < vector.length; i++) {
            copy[i] = vector[i] * factor;
        }
        return copy;
    }

    /** A unit-length copy of {@code vector} (which must not be all zeros: the query and write checks refuse those). */
    static float[] unit(float[] vector) {
        return scaled(vector, 1f / norm(vector));
    }

    /**
     * Turns a Lucene kNN score back into the metric's own similarity (higher is better):
     * <ul>
     *   <li>COSINE (indexed as COSINE, or as DOT_PRODUCT over unit vectors): Lucene scores {@code (1 + cos) / 2}; we return {@code cos} itself, in [-1, 1]
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
