package dev.mmsearch.server;

import dev.mmsearch.core.Hit;
import dev.mmsearch.retrieval.PipelineResponse;
import java.util.List;
import java.util.Map;

/**
 * What the search API answers: the pipeline's response plus the query id (for feedback) and
 * the collection's model.
 *
 * @param queryId         identifies this response in {@code POST /api/v1/feedback}
 * @param arms            experiment layer → arm that served this request
 * @param configVersion   version of the experiment config that served it
 * @param timingsMs       per stage: qp, encode, recall (and recall.NAME), rank, summary, total
 * @param debug           every stage's candidates with their scores, when the request asked for debug
 */
public record SearchResult(String queryId, String collection, String model, String scene, String configVersion,
                           Map<String, String> arms, int offset, int topK, int totalCandidates, List<Hit> hits,
                           Map<String, Double> timingsMs, PipelineResponse.Debug debug) {

    static SearchResult of(String queryId, String model, PipelineResponse r) {
        return new SearchResult(queryId, r.collection(), model, r.scene(), r.configVersion(), r.arms(), r.offset(),
                r.topK(), r.totalCandidates(), r.hits(), r.timingsMs(), r.debug());
    }
}
