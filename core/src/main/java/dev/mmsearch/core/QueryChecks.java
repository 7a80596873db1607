package dev.mmsearch.core;

import java.util.List;

/**
 * The checks every store makes of a query and of a written vector, written once so that both stores refuse the
 * same things with the same words. Pure functions.
 */
public final class QueryChecks {
    /** Upper bound on {@code k} and {@code numCandidates}: beyond it a kNN or BM25 search is a scan in disguise. */
    public static final int MAX_RESULTS = 10_000;

    private QueryChecks() {
    }

    /** @throws MmsearchException INVALID_ARGUMENT unless {@code min <= value <= }{@value #MAX_RESULTS} */
    public static void requireResultCount(String what, int value, int min) {
        if (value < min || value > MAX_RESULTS) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, what + " must be between " + min + " and "
                    + MAX_RESULTS + ", got " + value);
        }
    }

    /**
     * What is wrong with {@code vector} for collection {@code collection} of model {@code stamp} (wrong dimension,
     * a non-finite value, all zeros under COSINE), or null when nothing is.
     */
    public static String vectorProblem(String collection, ModelStamp stamp, float[] vector) {
        int dimension = stamp.dimension();
        if (vector.length != dimension) {
            return "has " + vector.length + " dimensions but collection '" + collection + "' (model "
                    + stamp.modelId() + ") holds " + dimension + "-d vectors";
        }
        double squaredNorm = 0;
        for (int i = 0; i < vector.length; i++) {
            if (!Float.isFinite(vector[i])) {
                return "has a non-finite value (" + vector[i] + ") at position " + i;
            }
            squaredNorm += (double) vector[i] * vector[i];
        }
        if (squaredNorm == 0 && stamp.metric() == VectorSimilarity.COSINE) {
            return "is all zeros, which has no cosine similarity";
        }
        return null;
    }

    /**
     * Checks a vector query against the collection it runs on (its filter is checked where it is translated, by
     * {@link FilterTranslator}).
     *
     * @throws MmsearchException INVALID_ARGUMENT for a vector of the wrong dimension, with NaN/Inf, or all zeros
     *                           under COSINE
     */
    /**
     * {@link #requireValid(String, ModelStamp, VectorQuery)} against the stamp of the field the query names: the main
     * stamp, or that of a {@link VectorField named vector field} of {@code schema}.
     *
     * @throws MmsearchException INVALID_ARGUMENT for an unknown field or a vector that does not fit it
     */
    public static void requireValid(String collection, ModelStamp stamp, CollectionSchema schema, VectorQuery query) {
        requireValid(collection, query.field() == null ? stamp : schema.vectorField(query.field()).stamp(), query);
    }

    public static void requireValid(String collection, ModelStamp stamp, VectorQuery query) {
        String problem = vectorProblem(collection, stamp, query.vector());
        if (problem != null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "query vector for collection '" + collection
                    + "' " + problem);
        }
    }

    /**
     * Checks a text query against the collection it runs on: every boosted field is a text field of the schema.
     *
     * @throws MmsearchException INVALID_ARGUMENT naming the field and the collection's text fields
     */
    public static void requireValid(String collection, CollectionSchema schema, TextQuery query) {
        List<String> textFields = schema.textFields();
        for (String field : query.fieldBoosts().keySet()) {
            if (!textFields.contains(field)) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "BM25 field boost names '" + field
                        + "', which is not a text field of collection '" + collection + "'; text fields: "
                        + textFields);
            }
        }
    }

    /** The highlight arguments every store checks. @throws MmsearchException INVALID_ARGUMENT for a null one */
    public static void requireHighlightArguments(List<Document> documents, String query, List<String> fields) {
        if (documents == null || query == null || fields == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "highlight needs documents, a query and"
                    + " fields; got documents=" + documents + " query=" + query + " fields=" + fields);
        }
    }
}
