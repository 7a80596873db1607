package dev.mmsearch.retrieval.stages;

import dev.mmsearch.core.PassageScore;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.VectorQuery;
import dev.mmsearch.retrieval.Candidate;
import dev.mmsearch.retrieval.ParamChecks;
import dev.mmsearch.retrieval.RecallStage;
import dev.mmsearch.retrieval.RequestContext;
import java.util.List;

/**
 * recall {@code vector}: approximate nearest neighbours (HNSW) of the query embedding, with the
 * request's filter applied inside the graph search. The query is embedded once per request as
 * {@link dev.mmsearch.retrieval.QueryEncoders#resolve} decides (see {@link RequestContext#queryVector}); a model
 * that lives in another vector space than the collection is a MODEL_MISMATCH.
 */
public final class VectorRecall implements RecallStage {
    public static final String TYPE = "vector";
    /** Smallest HNSW candidate list by default: at least this many, and at least k. */
    public static final int MIN_NUM_CANDIDATES = 100;

    /**
     * @param name          score-map key (default {@code vector})
     * @param k             candidates to recall, 1..10000 (default 100; at least {@code offset + topK} are recalled)
     * @param numCandidates HNSW candidate list size, k..10000 (default {@code max(k, 100)}); larger = better recall, slower
     * @param model         model id to embed the query text with (default: the request's model, else the collection's);
     *                      it must be the collection's model or a text tower aligned to it, another one is refused
     * @param passageScore  in a collection with passages: {@code max} (default: a document scores as its best passage)
     *                      or {@code topN-mean} (the mean of its best N passages, e.g. {@code top2-mean});
     *                      {@link PassageScore}
     * @param field         the {@link dev.mmsearch.core.VectorField named vector field} to search, its query embedded
     *                      by that field's model (default: the request's {@code vectorField}, else the main vector)
     */
    public record Params(String name, Integer k, Integer numCandidates, String model, String passageScore,
                         String field) {
        /** Parameters scoring a document by its best passage. */
        public Params(String name, Integer k, Integer numCandidates, String model) {
            this(name, k, numCandidates, model, null, null);
        }

        public Params {
            try {
                passageScore = PassageScore.parse(passageScore).toString();
            } catch (dev.mmsearch.core.MmsearchException e) {
                throw new IllegalArgumentException("parameter 'passageScore': " + e.getMessage(), e);
            }
            name = ParamChecks.scoreName("name", name, TYPE);
            k = ParamChecks.intIn("k", k, 100, 1, ParamChecks.MAX_K);
            numCandidates = ParamChecks.intIn("numCandidates", numCandidates, Math.max(k, MIN_NUM_CANDIDATES), 1,
                    ParamChecks.MAX_K);
            if (numCandidates < k) {
                throw new IllegalArgumentException("parameter 'numCandidates' (" + numCandidates
                        + ") must be at least k (" + k + ")");
            }
            if (field != null && field.isBlank()) {
                throw new IllegalArgumentException("parameter 'field' is blank; leave it out to search the main vector");
            }
            if (model != null && model.isBlank()) {
                throw new IllegalArgumentException("parameter 'model' is blank; leave it out to use the collection's model");
            }
        }
    }

    private final Params params;
    private final PassageScore passageScore;

    public VectorRecall(Params params) {
        this.params = params;
        this.passageScore = PassageScore.parse(params.passageScore()); // once per config, not per request
    }

    public Params params() {
        return params;
    }

    @Override
    public List<Candidate> recall(RequestContext context) {
        long start = System.nanoTime();
        String field = params.field() != null ? params.field() : context.query().vectorField();
        float[] vector = context.queryVector(params.model(), field);
        int depth = Math.min(ParamChecks.MAX_K, Math.max(context.query().depth(), params.k()));
        int numCandidates = Math.min(ParamChecks.MAX_K, Math.max(params.numCandidates(), depth));
        List<ScoredId> hits = context.view().search(new VectorQuery(vector, depth, numCandidates,
                context.query().filter(), passageScore, field));
        List<Candidate> candidates = Recalls.toCandidates(hits, params.name());
        context.trace().time("recall." + params.name(), start);
        context.trace().candidates("recall." + params.name(), candidates);
        return candidates;
    }

    @Override
    public List<String> recallNames() {
        return List.of(params.name());
    }
}
