package dev.mmsearch.store.opensearch;

import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.HighlightFragment;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.core.VectorSimilarity;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One collection as one OpenSearch index (a version of it; the store's alias {@code <prefix><name>} points at the
 * published one). Thread-safe: it holds no mutable state besides what the cluster holds.
 *
 * <p>Document layout ({@code _source}; the mapping is {@code dynamic: strict}):
 * <ul>
 *   <li>{@value #FIELDS}: the document's fields as given, stored only ({@code enabled: false}), returned by
 *       {@link #fetch};</li>
 *   <li>{@value #TEXT}: the schema's text fields joined by line breaks, {@code english} analyzer (the same
 *       analysis as the embedded store's {@code EnglishAnalyzer}), BM25;</li>
 *   <li>{@code txt.<field>}: each text field alone, for per-field boosts;</li>
 *   <li>{@code kw.<field>}: keyword values (as strings), for term/terms filters;</li>
 *   <li>{@code num.<field>}: numeric values as {@code double}, for range filters;</li>
 *   <li>{@value #VECTOR}: {@code knn_vector}, HNSW on the Lucene engine with the stamp's metric (COSINE →
 *       {@code cosinesimil}, DOT_PRODUCT → {@code innerproduct}, EUCLIDEAN → {@code l2}); its values in
 *       {@code _source} are the exact floats written (JSON keeps a float's shortest decimal form).</li>
 * </ul>
 *
 * <p>Visibility: with the default {@code refresh_interval: -1} writes become visible on {@link #commit()} (an index
 * refresh), as in the embedded store; {@link #fetch} and {@link #vectors} read the refreshed view too
 * ({@code realtime=false}). Durability: every acknowledged bulk request is in the translog of every shard copy;
 * commit also flushes. Searches refuse partial results ({@code allow_partial_search_results=false}), so a shard
 * without a live copy fails the search instead of silently dropping hits; such failures are retried with backoff.
 *
 * <p>Scores: dense search converts the k-NN plugin's Lucene-engine score back to the metric's similarity exactly
 * as the embedded store does (for COSINE the cosine in [-1, 1]); BM25 uses {@code dfs_query_then_fetch}, so term
 * statistics are collection-wide rather than per shard and scores do not depend on how documents fall on shards.
 */
public final class OpenSearchCollection implements SearchCollection {
    private static final Logger log = LoggerFactory.getLogger(OpenSearchCollection.class);
    /** Most results a search may ask for (OpenSearch's {@code index.max_result_window} and k-NN limit). */
    public static final int MAX_RESULTS = 10_000;
    /** OpenSearch's limit on a document id, in UTF-8 bytes. */
    static final int MAX_ID_BYTES = 512;
    /** Lucene's limit on one exact term (keyword value), in UTF-8 bytes. */
    static final int MAX_TERM_BYTES = 32766;
    static final String FIELDS = "fields";
    static final String TEXT = "text";
    static final String TEXT_PREFIX = "txt";
    static final String KEYWORD_PREFIX = "kw";
    static final String NUMERIC_PREFIX = "num";
    static final String VECTOR = "vector";
    private static final int SCROLL_PAGE = 500;

    private final String name;
    private final String index;
    private final CollectionMeta meta;
    private final OpenSearchHttp http;

    OpenSearchCollection(String name, String index, CollectionMeta meta, OpenSearchHttp http) {
        this.name = name;
        this.index = index;
        this.meta = meta;
        this.http = http;
    }

    /** The index settings and mapping of a new collection index. */
    static ObjectNode indexDefinition(CollectionMeta meta, OpenSearchStoreOptions options, String alias) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ObjectNode settings = body.putObject("settings").putObject("index");
        settings.put("knn", true);
        settings.put("number_of_shards", options.shards());
        settings.put("number_of_replicas", options.replicas());
        settings.put("refresh_interval", options.refreshInterval());
        ObjectNode mappings = body.putObject("mappings");
        mappings.put("dynamic", "strict");
        mappings.putObject("_meta").set(CollectionMeta.KEY, meta.toJson());
        ObjectNode properties = mappings.putObject("properties");
        properties.putObject(FIELDS).put("type", "object").put("enabled", false);
        properties.putObject(TEXT).put("type", "text").put("analyzer", "english");
        CollectionSchema schema = meta.schema();
        ObjectNode perField = properties.putObject(TEXT_PREFIX).putObject("properties");
        schema.textFields().forEach(f -> perField.putObject(f).put("type", "text").put("analyzer", "english"));
        ObjectNode keywords = properties.putObject(KEYWORD_PREFIX).putObject("properties");
        schema.keywordFields().forEach(f -> keywords.putObject(f).put("type", "keyword"));
        ObjectNode numbers = properties.putObject(NUMERIC_PREFIX).putObject("properties");
        schema.numericFields().forEach(f -> numbers.putObject(f).put("type", "double"));
        ObjectNode vector = properties.putObject(VECTOR);
        vector.put("type", "knn_vector");
        vector.put("dimension", meta.stamp().dimension());
        ObjectNode method = vector.putObject("method");
        method.put("name", "hnsw");
        method.put("engine", "lucene");
        method.put("space_type", spaceType(meta.stamp().metric()));
        method.putObject("parameters").put("m", 16).put("ef_construction", 100);
        if (alias != null) {
            body.putObject("aliases").putObject(alias);
        }
        return body;
    }

    static String spaceType(VectorSimilarity metric) {
        return switch (metric) {
            case COSINE -> "cosinesimil";
            case DOT_PRODUCT -> "innerproduct";
            case EUCLIDEAN -> "l2";
        };
    }

    /** The k-NN plugin's Lucene-engine score as the metric's similarity (the embedded store's scale). */
    static float similarity(VectorSimilarity metric, float score) {
        return switch (metric) {
            case COSINE -> Math.max(-1f, Math.min(1f, 2f * score - 1f));
            case DOT_PRODUCT -> score < 1f ? 1f - 1f / score : score - 1f;
            case EUCLIDEAN -> score;
        };
    }

    @Override
    public String name() {
        return name;
    }

    /** The OpenSearch index that holds this version of the collection. */
    public String index() {
        return index;
    }

    @Override
    public ModelStamp stamp() {
        return meta.stamp();
    }

    @Override
    public CollectionSchema schema() {
        return meta.schema();
    }

    @Override
    public VectorEncoding vectorEncoding() {
        return meta.encoding();
    }

    @Override
    public CollectionInfo info() {
        JsonNode stats = require(http.call("GET", "/" + index + "/_stats/store", Map.of(), null), "read stats of");
        long size = stats.path("_all").path("primaries").path("store").path("size_in_bytes").asLong(0);
        JsonNode committed = require(http.call("GET", "/" + index + "/_mapping", Map.of(), null), "read the mapping of")
                .path(index).path("mappings").path("_meta").path("committedAt");
        Instant lastModified = committed.isString() ? Instant.parse(committed.asString()) : meta.createdAt();
        return new CollectionInfo(name, stamp(), schema(), count(), size, lastModified);
    }

    @Override
    public long count() {
        return require(http.call("GET", "/" + index + "/_count", Map.of(), null), "count").path("count").asLong();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Every document is checked first (id, vector, keyword and numeric values), so a rejected call writes
     * nothing. Then bulk requests of {@link OpenSearchStoreOptions#bulkBatchSize()} documents; documents the
     * cluster rejects with 429 or 5xx are sent again with exponential backoff, up to
     * {@link OpenSearchStoreOptions#maxRetries()} times.
     *
     * @throws MmsearchException INVALID_INPUT naming the first bad document; NOT_READY when the cluster kept
     *                           rejecting documents (those before it may be written)
     */
    @Override
    public void upsert(List<EmbeddedDocument> documents) {
        Objects.requireNonNull(documents, "documents");
        List<String> ids = new ArrayList<>(documents.size());
        List<byte[]> sources = new ArrayList<>(documents.size());
        for (EmbeddedDocument document : documents) {
            sources.add(Json.MAPPER.writeValueAsBytes(toSource(document)));
            ids.add(document.id());
        }
        int batch = http.options().bulkBatchSize();
        for (int from = 0; from < ids.size(); from += batch) {
            int to = Math.min(ids.size(), from + batch);
            List<BulkAction> actions = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                actions.add(new BulkAction("index", ids.get(i), sources.get(i)));
            }
            bulk(actions);
        }
        log.debug("upserted collection={} index={} docs={}", name, index, ids.size());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Bulk delete actions by id; ids that do not exist are ignored. Every id is checked first.
     */
    @Override
    public void delete(List<String> ids) {
        Objects.requireNonNull(ids, "ids");
        List<BulkAction> actions = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            if (id == null || id.isBlank()) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "cannot delete from collection '" + name
                        + "': id " + (i + 1) + " of " + ids.size() + " is " + (id == null ? "null" : "blank"));
            }
            actions.add(new BulkAction("delete", id, null));
        }
        int batch = http.options().bulkBatchSize();
        for (int from = 0; from < actions.size(); from += batch) {
            bulk(actions.subList(from, Math.min(actions.size(), from + batch)));
        }
        log.debug("deleted collection={} index={} ids={}", name, index, actions.size());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Counts the committed matches, then refreshes (so writes not yet committed are matched too, as in the
     * embedded store), walks the ids of the matches with a scroll and deletes them with bulk requests. (Not
     * {@code _delete_by_query}: it lives in the optional reindex module, which not every cluster has.)
     */
    @Override
    public long deleteMatching(Filter filter) {
        Objects.requireNonNull(filter, "filter");
        ObjectNode count = Json.MAPPER.createObjectNode();
        count.set("query", filterQuery(filter));
        long matched = require(http.call("POST", "/" + index + "/_count", Map.of(), count), "count")
                .path("count").asLong();
        require(http.call("POST", "/" + index + "/_refresh", Map.of(), null), "refresh");
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("size", SCROLL_PAGE);
        body.put("_source", false);
        body.putArray("sort").add("_doc");
        body.set("query", filterQuery(filter));
        List<BulkAction> deletes = new ArrayList<>();
        scroll(body, hit -> deletes.add(new BulkAction("delete", hit.path("_id").asString(), null)));
        int batch = http.options().bulkBatchSize();
        for (int from = 0; from < deletes.size(); from += batch) {
            bulk(deletes.subList(from, Math.min(deletes.size(), from + batch)));
        }
        log.info("deleted by filter collection={} filter={} committedMatches={} deleted={}", name, filter, matched,
                deletes.size());
        return matched;
    }

    /** Refreshes (visible) and flushes (Lucene commit on every shard copy) the index, and records the time. */
    @Override
    public void commit() {
        require(http.call("POST", "/" + index + "/_refresh", Map.of(), null), "refresh");
        require(http.call("POST", "/" + index + "/_flush", Map.of("wait_if_ongoing", "true"), null), "flush");
        ObjectNode mapping = Json.MAPPER.createObjectNode();
        ObjectNode metaJson = mapping.putObject("_meta");
        metaJson.set(CollectionMeta.KEY, meta.toJson());
        metaJson.put("committedAt", Instant.now().toString());
        require(http.call("PUT", "/" + index + "/_mapping", Map.of(), mapping), "record the commit time of");
        log.debug("committed collection={} index={}", name, index);
    }

    /** {@inheritDoc} <p>{@code _forcemerge?max_num_segments=1} on the index, waiting for it to finish. */
    @Override
    public int optimize() {
        commit();
        require(http.call("POST", "/" + index + "/_forcemerge", Map.of("max_num_segments", "1"), null), "force-merge");
        require(http.call("POST", "/" + index + "/_refresh", Map.of(), null), "refresh");
        log.info("optimized collection={} index={}", name, index);
        return -1;
    }

    @Override
    public List<ScoredId> vectorSearch(float[] vector, int k, int numCandidates) {
        return vectorSearch(vector, k, numCandidates, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A {@code knn} query with {@code k = max(k, numCandidates)} per shard and the filter inside it (the
     * Lucene engine's filtered HNSW search, which falls back to an exact search for selective filters); the best
     * {@code k} over all shards are returned.
     */
    @Override
    public List<ScoredId> vectorSearch(float[] vector, int k, int numCandidates, Filter filter) {
        requireResultCount("k", k, 1);
        requireResultCount("numCandidates", numCandidates, 0);
        if (vector == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "query vector is missing");
        }
        String problem = vectorProblem(vector);
        if (problem != null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "query vector for collection '" + name + "' "
                    + problem);
        }
        JsonNode filterQuery = filter == null ? null : filterQuery(filter);
        ObjectNode knn = Json.MAPPER.createObjectNode();
        knn.set("vector", floats(vector));
        knn.put("k", Math.max(k, numCandidates));
        if (filterQuery != null) {
            knn.set("filter", filterQuery);
        }
        ObjectNode body = searchBody(k);
        body.putObject("query").putObject("knn").set(VECTOR, knn);
        VectorSimilarity metric = stamp().metric();
        return search(body, Map.of(), score -> similarity(metric, score));
    }

    @Override
    public List<ScoredId> textSearch(String query, int k) {
        return textSearch(query, k, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A {@code match} query (terms OR-ed, never parsed as query syntax) on the joined text, the filter as a
     * non-scoring clause. A query that analyses to no terms returns an empty list.
     */
    @Override
    public List<ScoredId> textSearch(String query, int k, Filter filter) {
        return textSearch(query, k, filter, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>With boosts: one {@code match} per field on {@code txt.<field>} with its boost, summed (a bool of should
     * clauses).
     */
    @Override
    public List<ScoredId> textSearch(String query, int k, Filter filter, Map<String, Float> fieldBoosts) {
        requireResultCount("k", k, 1);
        if (query == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "text query is missing");
        }
        boolean boosted = fieldBoosts != null && !fieldBoosts.isEmpty();
        if (boosted) {
            List<String> textFields = schema().textFields();
            fieldBoosts.forEach((field, boost) -> {
                if (field == null || !textFields.contains(field)) {
                    throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "BM25 field boost names '" + field
                            + "', which is not a text field of collection '" + name + "'; text fields: "
                            + textFields);
                }
                if (boost == null || !Float.isFinite(boost) || boost <= 0) {
                    throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "BM25 boost of field '" + field
                            + "' must be a positive finite number, got " + boost);
                }
            });
        }
        JsonNode filterQuery = filter == null ? null : filterQuery(filter);
        ObjectNode bool = Json.MAPPER.createObjectNode();
        if (boosted) {
            ArrayNode should = bool.putArray("should");
            fieldBoosts.forEach((field, boost) -> {
                ObjectNode match = should.addObject().putObject("match").putObject(TEXT_PREFIX + "." + field);
                match.put("query", query);
                match.put("boost", boost);
            });
            bool.put("minimum_should_match", 1);
        } else {
            bool.putArray("must").addObject().putObject("match").putObject(TEXT).put("query", query);
        }
        if (filterQuery != null) {
            bool.putArray("filter").add(filterQuery);
        }
        ObjectNode body = searchBody(k);
        body.putObject("query").set("bool", bool);
        return search(body, Map.of("search_type", "dfs_query_then_fetch"), score -> score);
    }

    /**
     * {@inheritDoc}
     *
     * <p>OpenSearch's unified highlighter over {@code txt.<field>} (re-analysed with the {@code english} analyzer,
     * so "running" marks "runs"), matches tagged with private-use characters and split into runs
     * ({@link TaggedHighlights}), at most 3 fragments of about 160 characters per field, best first,
     * as the embedded store. Only the schema's text fields can be highlighted here (the embedded store also
     * highlights other stored fields); other fields are left out. Reads the refreshed view.
     *
     * @throws MmsearchException INVALID_ARGUMENT for a null id, query or fields
     */
    @Override
    public Map<String, List<HighlightFragment>> highlight(String id, String query, List<String> fields) {
        if (id == null || query == null || fields == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "highlight needs a document id, a query and"
                    + " fields; got id=" + id + " query=" + query + " fields=" + fields);
        }
        return highlightIds(List.of(id), query, fields).getOrDefault(id, Map.of());
    }

    /**
     * {@inheritDoc}
     *
     * <p>One search request for the page (an {@code ids} query sized to it), highlighting OpenSearch's stored copies of
     * these documents as {@link #highlight(String, String, List)} does.
     */
    @Override
    public Map<String, Map<String, List<HighlightFragment>>> highlightDocuments(List<Document> documents,
                                                                               String query, List<String> fields) {
        SearchCollection.requireHighlightArguments(documents, query, fields);
        return highlightIds(documents.stream().map(Document::id).distinct().toList(), query, fields);
    }

    private Map<String, Map<String, List<HighlightFragment>>> highlightIds(List<String> ids, String query,
                                                                          List<String> fields) {
        List<String> textFields = new ArrayList<>(new LinkedHashSet<>(fields));
        textFields.removeIf(f -> f == null || !schema().textFields().contains(f));
        if (textFields.isEmpty() || query.isBlank() || ids.isEmpty()) {
            return Map.of();
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("size", ids.size());
        body.put("_source", false);
        ArrayNode values = body.putObject("query").putObject("ids").putArray("values");
        ids.forEach(values::add);
        ObjectNode highlight = body.putObject("highlight");
        highlight.put("type", "unified");
        highlight.put("encoder", "default"); // the raw text, not HTML-escaped
        highlight.putArray("pre_tags").add(TaggedHighlights.PRE_TAG);
        highlight.putArray("post_tags").add(TaggedHighlights.POST_TAG);
        highlight.put("order", "score");
        highlight.put("fragment_size", 160);
        highlight.put("number_of_fragments", 3);
        highlight.put("no_match_size", 0);
        ObjectNode perField = highlight.putObject("fields");
        for (String field : textFields) {
            ObjectNode spec = perField.putObject(TEXT_PREFIX + "." + field);
            spec.putObject("highlight_query").putObject("match").putObject(TEXT_PREFIX + "." + field)
                    .put("query", query);
        }
        JsonNode hits = require(http.call("POST", "/" + index + "/_search", Map.of(), body), "highlight")
                .path("hits").path("hits");
        Map<String, Map<String, List<HighlightFragment>>> byId = new LinkedHashMap<>();
        for (JsonNode hit : hits) {
            JsonNode found = hit.path("highlight");
            Map<String, List<HighlightFragment>> highlighted = new LinkedHashMap<>();
            for (String field : textFields) {
                JsonNode fragments = found.path(TEXT_PREFIX + "." + field);
                List<HighlightFragment> out = new ArrayList<>();
                fragments.forEach(f -> {
                    HighlightFragment fragment = TaggedHighlights.fragment(f.asString());
                    if (fragment != null) {
                        out.add(fragment);
                    }
                });
                if (!out.isEmpty()) {
                    highlighted.put(field, List.copyOf(out));
                }
            }
            if (!highlighted.isEmpty()) {
                byId.put(hit.path("_id").asString(), highlighted);
            }
        }
        // In the order of the ids asked for (OpenSearch orders hits by score).
        Map<String, Map<String, List<HighlightFragment>>> ordered = new LinkedHashMap<>();
        for (String id : ids) {
            if (byId.containsKey(id)) {
                ordered.put(id, byId.get(id));
            }
        }
        return ordered;
    }

    @Override
    public Map<String, Document> fetch(List<String> ids) {
        Objects.requireNonNull(ids, "ids");
        Map<String, Document> found = new LinkedHashMap<>();
        mget(ids, FIELDS).forEach((id, source) -> found.put(id, new Document(id, fieldsOf(source))));
        return found;
    }

    /** {@inheritDoc} <p>One {@code _mget} of the stored vectors (refreshed view). */
    @Override
    public Map<String, float[]> vectors(List<String> ids) {
        Objects.requireNonNull(ids, "ids");
        Map<String, float[]> found = new LinkedHashMap<>();
        mget(ids, VECTOR).forEach((id, source) -> found.put(id, vectorOf(source)));
        return found;
    }

    /**
     * {@inheritDoc}
     *
     * <p>A scroll (a point-in-time view of the refreshed index) in {@code _doc} order, {@value #SCROLL_PAGE}
     * documents a page; the scroll is cleared at the end, also when the consumer throws.
     */
    @Override
    public void forEachDocument(Consumer<EmbeddedDocument> consumer) {
        Objects.requireNonNull(consumer, "consumer");
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("size", SCROLL_PAGE);
        body.putArray("sort").add("_doc");
        body.putArray("_source").add(FIELDS).add(VECTOR);
        scroll(body, hit -> {
            JsonNode source = hit.path("_source");
            consumer.accept(new EmbeddedDocument(new Document(hit.path("_id").asString(), fieldsOf(source)),
                    vectorOf(source)));
        });
    }

    /** Every hit of a search, page by page through a scroll, which is cleared at the end (also on failure). */
    private void scroll(ObjectNode body, Consumer<JsonNode> hitConsumer) {
        JsonNode page = require(http.call("POST", "/" + index + "/_search", Map.of("scroll", "2m"), body),
                "read documents of");
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

    // ---- internals

    private record BulkAction(String type, String id, byte[] source) {
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

    private ObjectNode toSource(EmbeddedDocument embedded) {
        String id = embedded.id();
        int idBytes = id.getBytes(StandardCharsets.UTF_8).length;
        if (idBytes > MAX_ID_BYTES) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + abbreviate(id) + "': id is " + idBytes
                    + " bytes long, more than the " + MAX_ID_BYTES + " OpenSearch allows; nothing of this batch was"
                    + " written");
        }
        String problem = vectorProblem(embedded.vector());
        if (problem != null) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + abbreviate(id) + "': vector "
                    + problem + "; nothing of this batch was written");
        }
        Document document = embedded.document();
        ObjectNode source = Json.MAPPER.createObjectNode();
        try {
            source.set(FIELDS, Json.MAPPER.valueToTree(document.fields()));
        } catch (RuntimeException e) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + abbreviate(id)
                    + "': fields cannot be stored as JSON (" + e.getMessage() + ")", e);
        }
        CollectionSchema schema = schema();
        StringBuilder text = new StringBuilder();
        ObjectNode perField = Json.MAPPER.createObjectNode();
        for (String field : schema.textFields()) {
            List<String> values = values(document.fields().get(field));
            for (String value : values) {
                if (!text.isEmpty()) {
                    text.append('\n');
                }
                text.append(value);
            }
            if (!values.isEmpty()) {
                perField.put(field, String.join("\n", values));
            }
        }
        if (!text.isEmpty()) {
            source.put(TEXT, text.toString());
        }
        if (!perField.isEmpty()) {
            source.set(TEXT_PREFIX, perField);
        }
        ObjectNode keywords = Json.MAPPER.createObjectNode();
        for (String field : schema.keywordFields()) {
            List<String> values = values(document.fields().get(field));
            if (values.isEmpty()) {
                continue;
            }
            ArrayNode array = keywords.putArray(field);
            for (String value : values) {
                int bytes = value.getBytes(StandardCharsets.UTF_8).length;
                if (bytes > MAX_TERM_BYTES) {
                    throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + abbreviate(id)
                            + "': keyword field '" + field + "' is " + bytes + " bytes long, more than the "
                            + MAX_TERM_BYTES + " an exact term may have; nothing of this batch was written");
                }
                array.add(value);
            }
        }
        if (!keywords.isEmpty()) {
            source.set(KEYWORD_PREFIX, keywords);
        }
        ObjectNode numbers = Json.MAPPER.createObjectNode();
        for (String field : schema.numericFields()) {
            List<Double> values = numbers(id, field, document.fields().get(field));
            if (!values.isEmpty()) {
                ArrayNode array = numbers.putArray(field);
                values.forEach(v -> array.add(v == 0.0 ? 0.0 : v)); // -0.0 as 0.0, as the embedded store
            }
        }
        if (!numbers.isEmpty()) {
            source.set(NUMERIC_PREFIX, numbers);
        }
        source.set(VECTOR, floats(embedded.vector()));
        return source;
    }

    private static ArrayNode floats(float[] vector) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (float value : vector) {
            array.add(value);
        }
        return array;
    }

    private static float[] vectorOf(JsonNode source) {
        JsonNode array = source.path(VECTOR);
        float[] vector = new float[array.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = array.get(i).floatValue();
        }
        return vector;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> fieldsOf(JsonNode source) {
        JsonNode fields = source.path(FIELDS);
        return fields.isObject() ? Json.MAPPER.convertValue(fields, Map.class) : Map.of();
    }

    /** id → _source (only {@code include}) of the ids that exist, in the order of {@code ids}. */
    private Map<String, JsonNode> mget(List<String> ids, String include) {
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
        JsonNode docs = require(http.call("POST", "/" + index + "/_mget",
                Map.of("realtime", "false", "_source_includes", include), body), "read documents of").path("docs");
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

    private ObjectNode searchBody(int k) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("size", k);
        body.put("_source", false);
        body.put("track_total_hits", false);
        return body;
    }

    @FunctionalInterface
    private interface ScoreConversion {
        float apply(float score);
    }

    private List<ScoredId> search(ObjectNode body, Map<String, String> params, ScoreConversion conversion) {
        Map<String, String> query = new HashMap<>(params);
        query.put("allow_partial_search_results", "false");
        OpenSearchHttp.Reply reply = http.call("POST", "/" + index + "/_search", query, body);
        if (!reply.ok() && reply.body().toString().contains("too_many_clauses")) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "query and filter together have more than"
                    + " OpenSearch's clause limit; use terms for long lists of values or a shorter query");
        }
        JsonNode result = require(reply, "search");
        JsonNode hits = result.path("hits").path("hits");
        List<ScoredId> out = new ArrayList<>(hits.size());
        for (JsonNode hit : hits) {
            out.add(new ScoredId(hit.path("_id").asString(), conversion.apply(hit.path("_score").floatValue())));
        }
        return out;
    }

    /** The body of a successful reply; otherwise the error mapped to an {@link ErrorCode}. */
    private JsonNode require(OpenSearchHttp.Reply reply, String action) {
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

    /** The OpenSearch query of a filter over {@code kw.*} and {@code num.*}. */
    JsonNode filterQuery(Filter filter) {
        return filterQuery(filter, 1);
    }

    private JsonNode filterQuery(Filter filter, int depth) {
        if (depth > Filter.MAX_DEPTH) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "filter nests deeper than " + Filter.MAX_DEPTH
                    + " levels; flatten the and/or/not");
        }
        ObjectNode query = Json.MAPPER.createObjectNode();
        switch (filter) {
            case Filter.Term term -> query.putObject("term")
                    .put(KEYWORD_PREFIX + "." + requireKeywordField(term.field()), term.value());
            case Filter.Terms terms -> {
                ArrayNode values = query.putObject("terms").putArray(KEYWORD_PREFIX + "."
                        + requireKeywordField(terms.field()));
                terms.values().forEach(values::add);
            }
            case Filter.Range range -> {
                ObjectNode bounds = query.putObject("range").putObject(NUMERIC_PREFIX + "."
                        + requireNumericField(range.field()));
                if (range.gte() != null) {
                    bounds.put("gte", positiveZero(range.gte()));
                }
                if (range.gt() != null) {
                    bounds.put("gt", positiveZero(range.gt()));
                }
                if (range.lte() != null) {
                    bounds.put("lte", positiveZero(range.lte()));
                }
                if (range.lt() != null) {
                    bounds.put("lt", positiveZero(range.lt()));
                }
            }
            case Filter.And and -> {
                ArrayNode all = query.putObject("bool").putArray("filter");
                for (Filter clause : and.filters()) {
                    all.add(filterQuery(clause, depth + 1));
                }
            }
            case Filter.Or or -> {
                ObjectNode bool = query.putObject("bool");
                ArrayNode any = bool.putArray("should");
                for (Filter clause : or.filters()) {
                    any.add(filterQuery(clause, depth + 1));
                }
                bool.put("minimum_should_match", 1);
            }
            case Filter.Not not -> {
                ObjectNode bool = query.putObject("bool");
                bool.putArray("filter").addObject().putObject("match_all");
                bool.putArray("must_not").add(filterQuery(not.filter(), depth + 1));
            }
        }
        return query;
    }

    private static double positiveZero(double value) {
        return value == 0.0 ? 0.0 : value;
    }

    private String requireKeywordField(String field) {
        if (!schema().keywordFields().contains(field)) {
            throw unfilterable(field, schema().numericFields().contains(field)
                    ? "is a numeric field: filter it with range" : "is not a keyword field");
        }
        return field;
    }

    private String requireNumericField(String field) {
        if (!schema().numericFields().contains(field)) {
            throw unfilterable(field, schema().keywordFields().contains(field)
                    ? "is a keyword field: filter it with term or terms" : "is not a numeric field");
        }
        return field;
    }

    private MmsearchException unfilterable(String field, String problem) {
        return new MmsearchException(ErrorCode.INVALID_ARGUMENT, "filter field '" + field + "' " + problem
                + " of collection '" + name + "'; keyword fields (term, terms): " + schema().keywordFields()
                + ", numeric fields (range): " + schema().numericFields());
    }

    /** A field value as the strings it indexes as: lists contribute each element, null nothing. */
    private static List<String> values(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof Collection<?> many) {
            List<String> out = new ArrayList<>(many.size());
            for (Object element : many) {
                if (element != null) {
                    out.add(element.toString());
                }
            }
            return out;
        }
        return List.of(value.toString());
    }

    private static List<Double> numbers(String id, String field, Object value) {
        if (value == null) {
            return List.of();
        }
        Collection<?> elements = value instanceof Collection<?> many ? many : List.of(value);
        List<Double> out = new ArrayList<>(elements.size());
        for (Object element : elements) {
            if (element == null) {
                continue;
            }
            if (!(element instanceof Number number) || !Double.isFinite(number.doubleValue())) {
                String shown = element instanceof String text ? "\"" + abbreviate(text) + "\""
                        : abbreviate(String.valueOf(element));
                throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + abbreviate(id)
                        + "': numeric field '" + field + "' has the value " + shown + " ("
                        + element.getClass().getSimpleName() + "); a numeric field takes a finite number or a list"
                        + " of numbers; nothing of this batch was written");
            }
            out.add(number.doubleValue());
        }
        return out;
    }

    /** What is wrong with a vector for this collection, or null when nothing is. */
    private String vectorProblem(float[] vector) {
        int dimension = stamp().dimension();
        if (vector.length != dimension) {
            return "has " + vector.length + " dimensions but collection '" + name + "' (model "
                    + stamp().modelId() + ") holds " + dimension + "-d vectors";
        }
        double squaredNorm = 0;
        for (int i = 0; i < vector.length; i++) {
            if (!Float.isFinite(vector[i])) {
                return "has a non-finite value (" + vector[i] + ") at position " + i;
            }
            squaredNorm += (double) vector[i] * vector[i];
        }
        if (squaredNorm == 0 && stamp().metric() == VectorSimilarity.COSINE) {
            return "is all zeros, which has no cosine similarity";
        }
        return null;
    }

    private static void requireResultCount(String what, int value, int min) {
        if (value < min || value > MAX_RESULTS) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, what + " must be between " + min + " and "
                    + MAX_RESULTS + ", got " + value);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    @Override
    public String toString() {
        return "OpenSearchCollection[" + name + " -> " + index + "]";
    }
}
