package dev.mmsearch.retrieval.stages;

import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.TextQuery;
import dev.mmsearch.retrieval.Candidate;
import dev.mmsearch.retrieval.ParamChecks;
import dev.mmsearch.retrieval.RecallStage;
import dev.mmsearch.retrieval.RequestContext;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * recall {@code bm25}: BM25 over the collection's text fields, with the request's filter. Without
 * {@code fields} all text fields are searched together as one text; with {@code fields}
 * (e.g. {@code {title: 2.0, text: 1.0}}) each named field is scored on its own and the scores are
 * summed with those weights ({@link dev.mmsearch.core.TextQuery}); fields not named are not searched. A collection indexed before
 * per-field text existed refuses {@code fields} until it is re-indexed.
 */
public final class Bm25Recall implements RecallStage {
    public static final String TYPE = "bm25";

    /**
     * @param name score-map key (default {@code bm25})
     * @param k      candidates to recall, 1..10000 (default 100; at least {@code offset + topK} are recalled)
     * @param fields text field → BM25 weight (positive); default: all text fields as one
     */
    public record Params(String name, Integer k, Map<String, Double> fields) {
        public Params {
            name = ParamChecks.scoreName("name", name, TYPE);
            k = ParamChecks.intIn("k", k, 100, 1, ParamChecks.MAX_K);
            if (fields != null) {
                if (fields.isEmpty()) {
                    throw new IllegalArgumentException("parameter 'fields' is empty; leave it out to search all text"
                            + " fields together");
                }
                for (Map.Entry<String, Double> field : fields.entrySet()) {
                    if (field.getKey() == null || field.getKey().isBlank()) {
                        throw new IllegalArgumentException("parameter 'fields' holds a blank field name");
                    }
                    Double weight = field.getValue();
                    if (weight == null || weight.isNaN() || weight.isInfinite() || weight <= 0
                            || weight > Float.MAX_VALUE) {
                        throw new IllegalArgumentException("parameter 'fields." + field.getKey()
                                + "' must be a positive number, got " + weight);
                    }
                }
                fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
            }
        }
    }

    private final Params params;
    /** The field weights as the store takes them; empty = all text fields together. */
    private final Map<String, Float> boosts;

    public Bm25Recall(Params params) {
        this.params = params;
        Map<String, Float> converted = new LinkedHashMap<>();
        if (params.fields() != null) {
            params.fields().forEach((field, weight) -> converted.put(field, weight.floatValue()));
        }
        this.boosts = Collections.unmodifiableMap(converted);
    }

    public Params params() {
        return params;
    }

    @Override
    public List<Candidate> recall(RequestContext context) {
        long start = System.nanoTime();
        if (context.queryText().isBlank()) {
            // An image-only query: nothing for BM25 to match.
            context.trace().time("recall." + params.name(), start);
            context.trace().candidates("recall." + params.name(), List.of());
            return List.of();
        }
        int depth = Math.min(ParamChecks.MAX_K, Math.max(context.query().depth(), params.k()));
        List<ScoredId> hits = context.view().search(new TextQuery(context.queryText(), depth, context.query().filter(),
                boosts));
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
