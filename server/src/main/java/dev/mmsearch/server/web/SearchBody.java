package dev.mmsearch.server.web;

import dev.mmsearch.core.Retriever;
import dev.mmsearch.core.SearchRequest;

/**
 * The JSON a client posts to {@code /api/v1/collections/{name}/search}. Everything but
 * {@code query} is optional; unknown fields are refused ({@code spring.jackson.deserialization.fail-on-unknown-properties}):
 * a typo like {@code topk} should not be silently ignored.
 */
public record SearchBody(String query, Integer topK, Integer offset, String retriever, String model,
                         Boolean debug, String userId) {

    SearchRequest toRequest() {
        return new SearchRequest(query, Retriever.parse(retriever),
                topK == null ? SearchRequest.DEFAULT_TOP_K : topK,
                offset == null ? 0 : offset,
                model,
                Boolean.TRUE.equals(debug));
    }
}
