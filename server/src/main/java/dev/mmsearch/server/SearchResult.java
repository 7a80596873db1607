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

    /** Field of a hit in an image collection: the URL of the original image. */
    public static final String IMAGE_LINK = "_image";
    /** Field of a hit in an image collection: the URL of a small JPEG thumbnail. */
    public static final String THUMBNAIL_LINK = "_thumbnail";

    /** The same result with {@value #IMAGE_LINK} and {@value #THUMBNAIL_LINK} URLs on every hit (image collections). */
    SearchResult withImageLinks() {
        String base = "/api/v1/collections/" + collection + "/";
        List<Hit> linked = hits.stream().map(h -> {
            String id = java.net.URLEncoder.encode(h.id(), java.nio.charset.StandardCharsets.UTF_8);
            Map<String, Object> fields = h.fields() == null ? new java.util.LinkedHashMap<>()
                    : new java.util.LinkedHashMap<>(h.fields());
            fields.put(IMAGE_LINK, base + "image?id=" + id);
            fields.put(THUMBNAIL_LINK, base + "thumbnail?id=" + id);
            return new Hit(h.id(), h.rank(), h.score(), h.scores(), fields);
        }).toList();
        return new SearchResult(queryId, collection, model, scene, configVersion, arms, offset, topK, totalCandidates,
                linked, timingsMs, debug);
    }

    static SearchResult of(String queryId, String model, PipelineResponse r) {
        return new SearchResult(queryId, r.collection(), model, r.scene(), r.configVersion(), r.arms(), r.offset(),
                r.topK(), r.totalCandidates(), r.hits(), r.timingsMs(), r.debug());
    }
}
