package dev.mmsearch.core;

import java.util.Objects;

/**
 * A nearest-neighbour query: the {@code k} documents whose vectors are closest to {@code vector}, among those that
 * match {@code filter} (null = all), the filter applied inside the HNSW search so that a selective filter still yields
 * {@code k} hits. Scores are the stamp metric's similarity (for COSINE the cosine in [-1, 1]). The arguments are
 * checked here; what depends on the collection (dimension, filterable fields) is checked by
 * {@link QueryChecks#requireValid(String, ModelStamp, VectorQuery)}, which every store calls.
 *
 * @param vector        the query vector (not copied: do not change it while the query runs)
 * @param k             hits to return, 1..{@value QueryChecks#MAX_RESULTS}
 * @param numCandidates HNSW candidate list size, 0..{@value QueryChecks#MAX_RESULTS}; the search explores
 *                      {@code max(k, numCandidates)}
 * @param filter        restriction on keyword and numeric fields, or null
 * @param passageScore  in a collection with passages, how a document's score comes from its passages' (the
 *                      {@code explored()} documents with the best passages are scored so and the best {@code k}
 *                      kept); null: {@link PassageScore#MAX}
 * @param field         the {@link VectorField named vector field} searched, or null for the collection's main vector
 */
public record VectorQuery(float[] vector, int k, int numCandidates, Filter filter, PassageScore passageScore,
                          String field) {
    public VectorQuery {
        if (vector == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "query vector is missing");
        }
        QueryChecks.requireResultCount("k", k, 1);
        QueryChecks.requireResultCount("numCandidates", numCandidates, 0);
        passageScore = passageScore == null ? PassageScore.MAX : passageScore;
    }

    /** A query whose documents score by their best passage. */
    public VectorQuery(float[] vector, int k, int numCandidates, Filter filter) {
        this(vector, k, numCandidates, filter, PassageScore.MAX, null);
    }

    /** A query of the main vector. */
    public VectorQuery(float[] vector, int k, int numCandidates, Filter filter, PassageScore passageScore) {
        this(vector, k, numCandidates, filter, passageScore, null);
    }

    /** This query on the named vector field {@code name} (null: the main vector). */
    public VectorQuery onField(String name) {
        return new VectorQuery(vector, k, numCandidates, filter, passageScore, name);
    }

    public static VectorQuery of(float[] vector, int k, int numCandidates) {
        return new VectorQuery(vector, k, numCandidates, null);
    }

    public static VectorQuery of(float[] vector, int k, int numCandidates, Filter filter) {
        return new VectorQuery(vector, k, numCandidates, filter);
    }

    /** The search's candidate list: {@code max(k, numCandidates)}. */
    public int explored() {
        return Math.max(k, numCandidates);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof VectorQuery q && k == q.k && numCandidates == q.numCandidates
                && java.util.Arrays.equals(vector, q.vector) && Objects.equals(filter, q.filter)
                && passageScore.equals(q.passageScore) && Objects.equals(field, q.field);
    }

    @Override
    public int hashCode() {
        return Objects.hash(java.util.Arrays.hashCode(vector), k, numCandidates, filter, passageScore, field);
    }

    @Override
    public String toString() {
        return "VectorQuery[" + vector.length + "-d, k=" + k + ", numCandidates=" + numCandidates + ", filter="
                + filter + (passageScore.isMax() ? "" : ", passageScore=" + passageScore)
                + (field == null ? "" : ", field=" + field) + "]";
    }
}
