package dev.mmsearch.server.web;

/**
 * A click on a result: {@code queryId} from the search response, the clicked {@code docId} and
 * its 1-based {@code position} in the result list.
 */
public record FeedbackBody(String queryId, String docId, Integer position) {
}
