package dev.mmsearch.server.web;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.SearchRequest;
import dev.mmsearch.retrieval.SearchQuery;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The JSON a client posts to {@code /api/v1/collections/{name}/search}. Everything but
 * {@code query} is optional; unknown fields are refused ({@code spring.jackson.deserialization.fail-on-unknown-properties}):
 * a typo like {@code topk} should not be silently ignored.
 *
 * @param retriever shorthand for forcing the recall layer's arm of that name ({@code dense}, {@code bm25}, {@code hybrid} in the built-in config)
 * @param model     model id the caller expects the collection to use (409 otherwise)
 * @param filter    structured filter, see {@link Filter}
 * @param userId    bucketing key for the experiments (anonymous requests get a random bucket per request)
 * @param scene     experiment scene (default: the config's default scene)
 * @param forceArms layer name → arm name, to pin arms while debugging
 * @param debug     include each stage's candidates and scores
 */
public record SearchBody(String query, Integer topK, Integer offset, String retriever, String model, Boolean debug,
                         String userId, JsonNode filter, String scene, Map<String, String> forceArms) {

    SearchQuery toQuery(String collection) {
        if (query != null && query.length() > SearchRequest.MAX_QUERY_CHARS) {
            throw new MmsearchException(ErrorCode.PAYLOAD_TOO_LARGE,
                    "query has " + query.length() + " characters; the limit is " + SearchRequest.MAX_QUERY_CHARS);
        }
        return new SearchQuery(collection, query, topK == null ? SearchRequest.DEFAULT_TOP_K : topK,
                offset == null ? 0 : offset, Filter.parse(filter), userId, Boolean.TRUE.equals(debug), forceArms, scene);
    }
}
