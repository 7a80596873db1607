package dev.mmsearch.retrieval;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Hit;
import dev.mmsearch.core.MmsearchException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One combination of stages (qp → recall → rank → summary), built once per configuration snapshot
 * and shared by every request that lands on these arms. Immutable and thread-safe: all
 * per-request state lives in the {@link RequestContext}. The rank stage is bound to the recall's
 * names here ({@link RankStage#forRecalls}), once, not per request.
 */
public final class Pipeline {
    private static final Logger log = LoggerFactory.getLogger(Pipeline.class);

    private final String scene;
    private final String configVersion;
    private final Map<String, String> arms;
    private final QueryStage qp;
    private final RecallStage recall;
    private final RankStage rank;
    private final SummaryStage summary;

    /**
     * @param arms layer name → arm name this pipeline serves (reported in responses)
     * @param rank the rank stage as configured; the pipeline runs it bound to {@code recall}'s names
     * @throws MmsearchException INVALID_ARGUMENT when the rank stage cannot work on the recall's output
     */
    public Pipeline(String scene, String configVersion, Map<String, String> arms, QueryStage qp, RecallStage recall,
                    RankStage rank, SummaryStage summary) {
        this.scene = Objects.requireNonNull(scene, "scene");
        this.configVersion = Objects.requireNonNull(configVersion, "configVersion");
        this.arms = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(arms));
        this.qp = Objects.requireNonNull(qp, "qp");
        this.recall = Objects.requireNonNull(recall, "recall");
        Objects.requireNonNull(rank, "rank");
        this.summary = Objects.requireNonNull(summary, "summary");
        try {
            this.rank = Objects.requireNonNull(rank.forRecalls(recall.recallNames()), "bound rank stage");
        } catch (IllegalArgumentException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "scene '" + scene + "' arms " + this.arms
                    + ": the rank stage does not fit the recall: " + e.getMessage(), e);
        }
    }

    public String scene() {
        return scene;
    }

    public String configVersion() {
        return configVersion;
    }

    public Map<String, String> arms() {
        return arms;
    }

    public RecallStage recall() {
        return recall;
    }

    /** The rank stage bound to this pipeline's recalls. */
    public RankStage rank() {
        return rank;
    }

    /** Runs the request through the stages and returns the requested page. */
    public SearchResult execute(RequestContext context) {
        long start = System.nanoTime();
        Trace trace = context.trace();
        SearchQuery query = context.query();

        long t = System.nanoTime();
        String text = query.text().isBlank() && query.hasVectorInput() ? "" : qp.rewrite(context);
        if (text == null) {
            text = "";
        }
        if (text.isBlank() && !query.hasVectorInput()) {
            throw new MmsearchException(ErrorCode.EMPTY_QUERY, "the query '" + query.text()
                    + "' is empty after query processing; type some words to search for");
        }
        context.queryText(text);
        trace.time("qp", t);

        t = System.nanoTime();
        List<Candidate> recalled = recall.recall(context);
        trace.time("recall", t);
        trace.candidates("recall", recalled);

        t = System.nanoTime();
        List<Candidate> ranked = rank.rank(context, recalled);
        trace.time("rank", t);
        trace.candidates("rank", ranked);

        Grouping.Collapsed grouped = null;
        if (query.groupBy() != null) {
            t = System.nanoTime();
            grouped = Grouping.collapse(context, ranked, query.groupBy());
            ranked = grouped.kept();
            trace.time("group", t);
            trace.candidates("group", ranked);
        }

        t = System.nanoTime();
        List<Hit> hits = summary.summarize(context, page(ranked, query.offset(), query.topK()), query.offset());
        if (grouped != null) {
            hits = Grouping.annotate(hits, query.groupBy(), grouped.groups());
        }
        trace.time("summary", t);
        trace.time("total", start);

        Map<String, Double> timings = trace.timingsMs();
        log.debug("searched collection={} scene={} arms={} candidates={} hits={} totalMs={}", query.collection(), scene,
                arms, ranked.size(), hits.size(), timings.get("total"));
        return new SearchResult(UUID.randomUUID().toString(), query.collection(), context.collection().stamp().modelId(),
                scene, configVersion, arms, query.offset(), query.topK(), ranked.size(), hits, timings,
                trace.debug() ? new SearchResult.Debug(text, trace.candidates()) : null);
    }

    /** Positions {@code offset .. offset + topK - 1} of the ranked list (fewer at its end, none beyond it). */
    public static List<Candidate> page(List<Candidate> ranked, int offset, int topK) {
        if (offset >= ranked.size()) {
            return List.of();
        }
        return List.copyOf(ranked.subList(offset, Math.min(ranked.size(), offset + topK)));
    }
}
