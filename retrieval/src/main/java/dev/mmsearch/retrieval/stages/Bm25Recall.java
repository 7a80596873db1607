package dev.mmsearch.retrieval.stages;

import dev.mmsearch.core.ScoredId;
import dev.mmsearch.retrieval.Candidate;
import dev.mmsearch.retrieval.ParamChecks;
import dev.mmsearch.retrieval.RecallStage;
import dev.mmsearch.retrieval.RequestContext;
import java.util.List;

/**
 * recall {@code bm25}: BM25 over the collection's text fields, with the request's filter. The
 * store searches all text fields together; per-field selection and boosts need a store API that
 * does not exist yet.
 */
public final class Bm25Recall implements RecallStage {
    public static final String TYPE = "bm25";

    /**
     * @param name score-map key (default {@code bm25})
     * @param k    candidates to recall, 1..10000 (default 100; at least {@code offset + topK} are recalled)
     */
    public record Params(String name, Integer k) {
        public Params {
            name = ParamChecks.scoreName("name", name, TYPE);
            k = ParamChecks.intIn("k", k, 100, 1, ParamChecks.MAX_K);
        }
    }

    private final Params params;

    public Bm25Recall(Params params) {
        this.params = params;
    }

    public Params params() {
        return params;
    }

    @Override
    public List<Candidate> recall(RequestContext context) {
        long start = System.nanoTime();
        int depth = Math.min(ParamChecks.MAX_K, Math.max(context.query().depth(), params.k()));
        List<ScoredId> hits = context.collection().textSearch(context.queryText(), depth, context.query().filter());
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
