package dev.mmsearch.store.opensearch;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ScoredId;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The requests a collection makes of its one OpenSearch index: search, scroll, multi-get, bulk writes with retries,
 * and the mapping of OpenSearch's errors onto {@link ErrorCode}s that name the collection. Immutable, thread-safe.
 *
 * @param name  the collection, for messages
 * @param index the OpenSearch index of this version of the collection
 * @param http  the cluster connection
 */
record IndexClient(String name, String index, OpenSearchHttp http) {
    private static final Logger log = LoggerFactory.getLogger(IndexClient.class);

    OpenSearchStoreOptions options() {
        return http.options();
    }

    /** The body of a successful call to {@code /<index><path>}; otherwise the error mapped to an ErrorCode. */
    JsonNode call(String method, String path, Map<String, String> params, JsonNode body, String action) {
        return require(http.call(method, "/" + index + path, params, body), action);
    }

    /** The body of a successful reply; otherwise the error mapped to an {@link ErrorCode}. */
    JsonNode require(OpenSearchHttp.Reply reply, String action) {
        if (reply.ok()) {
            return reply.body();
        }
        if (reply.status() == 404 && "index_not_found_exception".equals(reply.errorType())) {
            throw new MmsearchException(ErrorCode.COLLECTION_NOT_FOUND, "collection '" + name + "' (OpenSearch index '"
                    + index + "') no longer exists; it was deleted or replaced by a new version: get it from the"
                    + " store again");
        }
        if (reply.status() == 429 || reply.status() >= 500) {
            throw new MmsearchException(ErrorCode.NOT_READY, "OpenSearch could not " + action + " collection '" + name
                    + "' (" + abbreviate(reply.describe()) + "); check the cluster health and try again");
        }
        throw new MmsearchException(ErrorCode.INTERNAL, "OpenSearch refused to " + action + " collection '" + name
                + "': " + abbreviate(reply.describe()));
    }

    @FunctionalInterface
    interface ScoreConversion {
        float apply(float score);
    }

    /** The hits of a search, scores converted; partial results (a shard without a live copy) are refused. */
    List<ScoredId> search(ObjectNode body, Map<String, String> params, ScoreConversion conversion) {
        return search(body, params, conversion, null);
    }

    /**
     * {@link #search(ObjectNode, Map, ScoreConversion)} of a nested passage query: each hit carries the passage its
     * inner hit names ({@code passageField}: the schema's passage field; null: no passages).
     */
    List<ScoredId> search(ObjectNode body, Map<String, String> params, ScoreConversion conversion,
                          String passageField) {
        Map<String, String> query = new HashMap<>(params);
        query.put("allow_partial_search_results", "false");
        OpenSearchHttp.Reply reply = http.call("POST", "/" + index + "/_search", query, body);
        if (!reply.ok() && reply.body().toString().contains("too_many_clauses")) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "query and filter together have more than"
                    + " OpenSearch's clause limit; use terms for long lists of values or a shorter query");
        }
        JsonNode hits = require(reply, "search").path("hits").path("hits");
        List<ScoredId> out = new ArrayList<>(hits.size());
        for (JsonNode hit : hits) {
            dev.mmsearch.core.PassageMatch passage = null;
            JsonNode inner = hit.path("inner_hits").path(DocumentLayout.PASSAGES).path("hits").path("hits").path(0);
            if (passageField != null && inner.isObject()) {
                JsonNode fields = inner.path("fields");
                passage = new dev.mmsearch.core.PassageMatch(passageField, inner.path("_nested").path("offset").asInt(),
                        fields.path(DocumentLayout.PASSAGES + ".start").path(0).asInt(),
                        fields.path(DocumentLayout.PASSAGES + ".end").path(0).asInt());
            }
            out.add(new ScoredId(hit.path("_id").asString(), conversion.apply(hit.path("_score").floatValue()),
                    dev.mmsearch.core.DocRef.UNKNOWN, passage));
        }
        return out;
    }

    /** Every hit of a search, page by page through a scroll, which is cleared at the end (also on failure). */
    void scroll(ObjectNode body, Consumer<JsonNode> hitConsumer) {
        JsonNode page = call("POST", "/_search", Map.of("scroll", "2m"), body, "read documents of");
        String scrollId = page.path("_scroll_id").asString(null);
        try {
            while (true) {
                JsonNode hits = page.path("hits").path("hits");
                if (hits.isEmpty()) {
                    return;
                }
                for (JsonNode hit : hits) {
                    hitConsumer.accept(hit);
                }
                ObjectNode next = Json.MAPPER.createObjectNode();
                next.put("scroll", "2m");
                next.put("scroll_id", scrollId);
                page = require(http.call("POST", "/_search/scroll", Map.of(), next), "read documents of");
                scrollId = page.path("_scroll_id").asString(scrollId);
            }
        } finally {
            if (scrollId != null) {
                ObjectNode clear = Json.MAPPER.createObjectNode();
                clear.putArray("scroll_id").add(scrollId);
                OpenSearchHttp.Reply reply = http.call("DELETE", "/_search/scroll", Map.of(), clear);
                if (!reply.ok()) {
                    log.warn("clearing a scroll of collection={} failed: {}", name, reply.describe());
                }
            }
        }
    }

    /** id → _source (only {@code include}) of the ids that exist, in the order of {@code ids} (refreshed view). */
    Map<String, JsonNode> mget(List<String> ids, String include) {
        LinkedHashSet<String> wanted = new LinkedHashSet<>();
        for (String id : ids) {
            if (id != null) {
                wanted.add(id);
            }
        }
        Map<String, JsonNode> found = new LinkedHashMap<>();
        if (wanted.isEmpty()) {
            return found;
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode array = body.putArray("ids");
        wanted.forEach(array::add);
        JsonNode docs = call("POST", "/_mget", Map.of("realtime", "false", "_source_includes", include), body,
                "read documents of").path("docs");
        Map<String, JsonNode> byId = new HashMap<>();
        for (JsonNode doc : docs) {
            if (doc.path("found").asBoolean(false)) {
                byId.put(doc.path("_id").asString(), doc.path("_source"));
            }
        }
        for (String id : wanted) {
            if (byId.containsKey(id)) {
                found.put(id, byId.get(id));
            }
        }
        return found;
    }

    /** One bulk action: {@code index} with a source, or {@code delete}. */
    record BulkAction(String type, String id, byte[] source) {
    }

    /** Sends actions in bulk requests of {@link OpenSearchStoreOptions#bulkBatchSize()}. */
    void bulkInBatches(List<BulkAction> actions) {
        int batch = http.options().bulkBatchSize();
        for (int from = 0; from < actions.size(); from += batch) {
            bulk(actions.subList(from, Math.min(actions.size(), from + batch)));
        }
    }

    /**
     * Sends bulk actions; items the cluster answers with 429 or 5xx are sent again with backoff. A delete of a
     * missing id (404) is fine.
     */
    private void bulk(List<BulkAction> actions) {
        List<BulkAction> pending = actions;
        for (int attempt = 0; ; attempt++) {
            ByteArrayOutputStream ndjson = new ByteArrayOutputStream();
            for (BulkAction action : pending) {
                ObjectNode header = Json.MAPPER.createObjectNode();
                header.putObject(action.type()).put("_index", index).put("_id", action.id());
                ndjson.writeBytes(Json.MAPPER.writeValueAsBytes(header));
                ndjson.write('\n');
                if (action.source() != null) {
                    ndjson.writeBytes(action.source());
                    ndjson.write('\n');
                }
            }
            JsonNode result = require(http.call("POST", "/_bulk", Map.of(), ndjson.toByteArray(),
                    "application/x-ndjson"), "write to");
            if (!result.path("errors").asBoolean(false)) {
                return;
            }
            List<BulkAction> retry = new ArrayList<>();
            JsonNode items = result.path("items");
            for (int i = 0; i < pending.size(); i++) {
                JsonNode item = items.path(i).path(pending.get(i).type());
                int status = item.path("status").asInt(500);
                if (status < 300 || (status == 404 && "delete".equals(pending.get(i).type()))) {
                    continue;
                }
                if (status == 429 || status >= 500) {
                    retry.add(pending.get(i));
                    continue;
                }
                throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + abbreviate(pending.get(i).id())
                        + "' was refused by OpenSearch (HTTP " + status + "): "
                        + abbreviate(item.path("error").path("reason").asString(item.path("error").toString())));
            }
            if (retry.isEmpty()) {
                return;
            }
            if (attempt >= http.options().maxRetries()) {
                throw new MmsearchException(ErrorCode.NOT_READY, "OpenSearch kept refusing " + retry.size()
                        + " documents of collection '" + name + "' after " + (attempt + 1) + " tries (e.g. document '"
                        + abbreviate(retry.getFirst().id()) + "'); the cluster is overloaded or a shard has no live"
                        + " copy: check the cluster health and write them again");
            }
            log.warn("opensearch refused docs={} of collection={} with 429/5xx; retry {} of {}", retry.size(), name,
                    attempt + 1, http.options().maxRetries());
            http.countRetry();
            OpenSearchHttp.sleep(http.options().backoff(attempt + 1).toMillis());
            pending = retry;
        }
    }

    static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
