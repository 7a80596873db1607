package dev.mmsearch.retrieval.stages;

import dev.mmsearch.core.VectorSimilarity;
import dev.mmsearch.retrieval.Candidate;
import dev.mmsearch.retrieval.ParamChecks;
import dev.mmsearch.retrieval.RankStage;
import dev.mmsearch.retrieval.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * rank {@code rescore}: exact re-scoring of the top {@code k} candidates with the documents' full-precision
 * vectors ({@link dev.mmsearch.core.CollectionView#vectors}) against the request's query vector (the
 * collection's model, encoded once per request, so after a vector recall it costs no extra encoding;
 * after a BM25-only recall it encodes the query). Meant after a recall on an INT8 collection, whose HNSW
 * scores are approximate: recall wide, then put the best ones in their exact order.
 *
 * <p>The new score is the stamp metric's similarity, as the store's float search reports it: for COSINE the
 * cosine (for the unit vectors of normalised models, their dot product), for DOT_PRODUCT the dot product,
 * for EUCLIDEAN {@code 1 / (1 + d²)}. It replaces the score and is recorded as {@code rescore}. The top k are
 * re-sorted by it (ties by id); a top-k candidate whose vector is gone (deleted meanwhile) keeps its score
 * and follows the rescored ones; candidates after the top k keep their order behind them.
 */
public final class RescoreRank implements RankStage {
    public static final String TYPE = "rescore";
    public static final String SCORE_NAME = "rescore";

    /** @param k how many of the top candidates to rescore, 1..10000 (default 100) */
    public record Params(Integer k) {
        public Params {
            k = ParamChecks.intIn("k", k, 100, 1, ParamChecks.MAX_K);
        }
    }

    private final Params params;

    public RescoreRank(Params params) {
        this.params = params;
    }

    @Override
    public List<Candidate> rank(RequestContext context, List<Candidate> candidates) {
        int n = Math.min(params.k(), candidates.size());
        if (n == 0) {
            return candidates;
        }
        long start = System.nanoTime();
        float[] query = context.queryVector();
        VectorSimilarity metric = context.collection().stamp().metric();
        List<Candidate> top = candidates.subList(0, n);
        Map<String, float[]> vectors = context.view().vectors(top.stream().map(Candidate::ref).toList());
        List<Candidate> rescored = new ArrayList<>(n);
        List<Candidate> unscored = new ArrayList<>();
        for (Candidate candidate : top) {
            float[] vector = vectors.get(candidate.id());
            if (vector == null) {
                unscored.add(candidate);
            } else {
                rescored.add(candidate.rescored(SCORE_NAME, (float) similarity(metric, query, vector)));
            }
        }
        rescored.sort(Candidate.BY_SCORE_THEN_ID);
        List<Candidate> out = new ArrayList<>(candidates.size());
        out.addAll(rescored);
        out.addAll(unscored);
        out.addAll(candidates.subList(n, candidates.size()));
        context.trace().time("rank." + TYPE, start);
        return out;
    }

    /**
     * The metric's similarity of two vectors, in double precision (higher is better). Pure.
     *
     * @throws IllegalArgumentException when the dimensions differ
     */
    public static double similarity(VectorSimilarity metric, float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors of " + a.length + " and " + b.length + " dimensions");
        }
        double dot = 0;
        double normA = 0;
        double normB = 0;
        double squaredDistance = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            normA += (double) a[i] * a[i];
            normB += (double) b[i] * b[i];
            double d = (double) a[i] - b[i];
            squaredDistance += d * d;
        }
        return switch (metric) {
            case COSINE -> normA == 0 || normB == 0 ? 0 : dot / Math.sqrt(normA * normB);
            case DOT_PRODUCT -> dot;
            case EUCLIDEAN -> 1 / (1 + squaredDistance);
        };
    }
}
