package dev.mmsearch.store.opensearch;

import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.CollectionView;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.VectorEncoding;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One collection as one OpenSearch index (a version of it; the store's alias {@code <prefix><name>} points at the
 * published one), laid out as {@link DocumentLayout} says. Thread-safe: it holds no mutable state besides what the
 * cluster holds. Reads go through {@link OpenSearchView}.
 *
 * <p>Visibility: with the default {@code refresh_interval: -1} writes become visible on {@link #commit()} (an index
 * refresh), as in the embedded store; fetch and vectors read the refreshed view too ({@code realtime=false}).
 * Durability: the index is created with {@code index.translog.durability: request}, so OpenSearch answers a bulk
 * request only once its operations are fsynced in the translog of every in-sync shard copy: each acknowledged
 * upsert and delete is durable before {@link #commit()}, which therefore only refreshes (see there). Searches
 * refuse partial results ({@code allow_partial_search_results=false}), so a shard without a live copy fails the
 * search instead of silently dropping hits; bulk items refused with 429/5xx are retried with backoff.
 *
 * <p>Scores: dense search converts the k-NN plugin's Lucene-engine score back to the metric's similarity exactly as
 * the embedded store does (for COSINE the cosine in [-1, 1]); BM25 uses {@code dfs_query_then_fetch}, so term
 * statistics are collection-wide rather than per shard and scores do not depend on how documents fall on shards.
 */
public final class OpenSearchCollection implements SearchCollection {
    private static final Logger log = LoggerFactory.getLogger(OpenSearchCollection.class);
    private static final int SCROLL_PAGE = 500;
    /** Shortest time between two records of the commit time ({@link #info()}'s last-modified) in the mapping. */
    static final long COMMIT_TIME_RESOLUTION_NANOS = 1_000_000_000L;

    private final String name;
    private final CollectionMeta meta;
    private final IndexClient client;
    private final OpenSearchQueries queries;
    /** {@link System#nanoTime()} of the last commit time recorded by this instance; guarded by {@code this}. */
    private long commitTimeRecordedAt;
    private boolean commitTimeRecorded;

    OpenSearchCollection(String name, String index, CollectionMeta meta, OpenSearchHttp http) {
        this.name = name;
        this.meta = meta;
        this.client = new IndexClient(name, index, http);
        this.queries = new OpenSearchQueries(name, meta.schema());
    }

    @Override
    public String name() {
        return name;
    }

    /** The OpenSearch index that holds this version of the collection. */
    public String index() {
        return client.index();
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

    OpenSearchQueries queries() {
        return queries;
    }

    @Override
    public CollectionInfo info() {
        JsonNode stats = client.call("GET", "/_stats/store", Map.of(), null, "read stats of");
        long size = stats.path("_all").path("primaries").path("store").path("size_in_bytes").asLong(0);
        JsonNode committed = client.call("GET", "/_mapping", Map.of(), null, "read the mapping of")
                .path(index()).path("mappings").path("_meta").path("committedAt");
        Instant lastModified = committed.isString() ? Instant.parse(committed.asString()) : meta.createdAt();
        return new CollectionInfo(name, stamp(), schema(), count(), size, lastModified);
    }

    @Override
    public long count() {
        return client.call("GET", "/_count", Map.of(), null, "count").path("count").asLong();
    }

    @Override
    public CollectionView openView() {
        return new OpenSearchView(this, client);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Every document is checked first (id, vector, keyword and numeric values), so a rejected call writes nothing.
     * Then bulk requests of {@link OpenSearchStoreOptions#bulkBatchSize()} documents; documents the cluster rejects
     * with 429 or 5xx are sent again with exponential backoff, up to {@link OpenSearchStoreOptions#maxRetries()}
     * times.
     *
     * @throws MmsearchException INVALID_INPUT naming the first bad document; NOT_READY when the cluster kept
     *                           rejecting documents (those before it may be written)
     */
    @Override
    public void upsert(List<EmbeddedDocument> documents) {
        Objects.requireNonNull(documents, "documents");
        List<IndexClient.BulkAction> actions = new ArrayList<>(documents.size());
        for (EmbeddedDocument document : documents) {
            ObjectNode source = DocumentLayout.toSource(name, stamp(), schema(), document);
            actions.add(new IndexClient.BulkAction("index", document.id(), Json.MAPPER.writeValueAsBytes(source)));
        }
        client.bulkInBatches(actions);
        log.debug("upserted collection={} index={} docs={}", name, index(), actions.size());
    }

    /** {@inheritDoc} <p>Bulk delete actions by id; ids that do not exist are ignored. Every id is checked first. */
    @Override
    public void delete(List<String> ids) {
        Objects.requireNonNull(ids, "ids");
        List<IndexClient.BulkAction> actions = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            if (id == null || id.isBlank()) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "cannot delete from collection '" + name
                        + "': id " + (i + 1) + " of " + ids.size() + " is " + (id == null ? "null" : "blank"));
            }
            actions.add(new IndexClient.BulkAction("delete", id, null));
        }
        client.bulkInBatches(actions);
        log.debug("deleted collection={} index={} ids={}", name, index(), actions.size());
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
        JsonNode query = queries.filter(filter);
        ObjectNode count = Json.MAPPER.createObjectNode();
        count.set("query", query);
        long matched = client.call("POST", "/_count", Map.of(), count, "count").path("count").asLong();
        client.call("POST", "/_refresh", Map.of(), null, "refresh");
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("size", SCROLL_PAGE);
        body.put("_source", false);
        body.putArray("sort").add("_doc");
        body.set("query", query);
        List<IndexClient.BulkAction> deletes = new ArrayList<>();
        client.scroll(body, hit -> deletes.add(new IndexClient.BulkAction("delete", hit.path("_id").asString(), null)));
        client.bulkInBatches(deletes);
        log.info("deleted by filter collection={} filter={} committedMatches={} deleted={}", name, filter, matched,
                deletes.size());
        return matched;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here a commit is an index refresh: durability needs nothing more, since every bulk request was answered only
     * once it was in the translog of every in-sync shard copy ({@code index.translog.durability: request}); a Lucene
     * flush would only trim the translog, which OpenSearch does by itself. Why refresh here rather than send the
     * writes with {@code refresh=wait_for}: with {@code refresh_interval: -1} nothing would ever end the wait, and
     * with an interval each acknowledgement waits for the next scheduled refresh (half an interval on average, at
     * every load). A refresh per commit makes a write visible as soon as it is acknowledged, and under concurrent
     * writers {@link dev.mmsearch.core.GroupCommit} makes one refresh (about 30 ms on the 2-node test cluster) serve
     * every write that arrived meanwhile, so refreshes stay few; {@code refresh=true} on each bulk request would
     * make one per request (and one tiny segment each). The commit time for {@link #info()} is recorded in the
     * mapping's {@code _meta} (a cluster-state update) at most once a second per instance, so it may lag the last
     * commit by up to a second.
     */
    @Override
    public void commit() {
        client.call("POST", "/_refresh", Map.of(), null, "refresh");
        recordCommitTime(false);
        log.debug("committed collection={} index={}", name, index());
    }

    private void recordCommitTime(boolean always) {
        synchronized (this) {
            long now = System.nanoTime();
            if (!always && commitTimeRecorded && now - commitTimeRecordedAt < COMMIT_TIME_RESOLUTION_NANOS) {
                return;
            }
            commitTimeRecorded = true;
            commitTimeRecordedAt = now;
        }
        ObjectNode mapping = Json.MAPPER.createObjectNode();
        ObjectNode metaJson = mapping.putObject("_meta");
        metaJson.set(CollectionMeta.KEY, meta.toJson());
        metaJson.put("committedAt", Instant.now().toString());
        client.call("PUT", "/_mapping", Map.of(), mapping, "record the commit time of");
    }

    /**
     * {@inheritDoc}
     *
     * <p>This store keeps no checkpoints: it commits, and {@link #checkpoint()} stays empty, so a resuming writer
     * starts from the beginning (slower, never wrong).
     */
    @Override
    public void commit(Map<String, String> checkpoint) {
        Objects.requireNonNull(checkpoint, "checkpoint");
        commit();
    }

    @Override
    public Map<String, String> checkpoint() {
        return Map.of();
    }

    /** How often {@link #optimize()} asks whether the force-merge task has finished. */
    private static final long MERGE_POLL_MILLIS = 1_000;

    /**
     * {@inheritDoc}
     *
     * <p>{@code _forcemerge?max_num_segments=1} on the index, started as a task ({@code wait_for_completion=false})
     * and polled through {@code _tasks} until it finishes: merging a large index takes far longer than one HTTP
     * response may (at 102k documents 170 s, against the client's 30 s timeout, which made the request time out
     * and be sent again five times), and the task keeps running on the cluster whatever the connection does.
     */
    @Override
    public int optimize() {
        client.call("POST", "/_refresh", Map.of(), null, "refresh");
        JsonNode started = client.call("POST", "/_forcemerge", Map.of("max_num_segments", "1",
                "wait_for_completion", "false"), null, "force-merge");
        String task = started.path("task").asString("");
        if (task.isEmpty()) {
            throw new MmsearchException(ErrorCode.INTERNAL, "OpenSearch started no force-merge task for collection '"
                    + name + "' (answer: " + started + ")");
        }
        awaitTask(task, "force-merge");
        client.call("POST", "/_refresh", Map.of(), null, "refresh");
        // A Lucene commit on every shard copy after the rewrite, so a restarted node need not replay the translog.
        client.call("POST", "/_flush", Map.of("wait_if_ongoing", "true"), null, "flush");
        recordCommitTime(true);
        log.info("optimized collection={} index={}", name, index());
        return -1;
    }

    /**
     * Waits for cluster task {@code task} ({@code node:id}) to complete, asking {@code GET _tasks/ID} every
     * {@value #MERGE_POLL_MILLIS} ms and logging its running time every minute.
     *
     * @throws MmsearchException INTERNAL when the task ended with an error, NOT_READY when it cannot be asked about
     */
    private void awaitTask(String task, String action) {
        long start = System.nanoTime();
        long lastLog = start;
        while (true) {
            JsonNode status = client.require(client.http().call("GET", "/_tasks/" + task, Map.of(), (JsonNode) null),
                    action);
            if (status.path("completed").asBoolean(false)) {
                if (status.has("error")) {
                    throw new MmsearchException(ErrorCode.INTERNAL, "OpenSearch could not " + action + " collection '"
                            + name + "': " + status.get("error"));
                }
                log.info("{} collection={} index={} task={} seconds={}", action, name, index(), task,
                        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9));
                return;
            }
            long now = System.nanoTime();
            if (now - lastLog > 60_000_000_000L) {
                log.info("{} of collection={} still running: task={} seconds={}", action, name, task,
                        (now - start) / 1_000_000_000L);
                lastLog = now;
            }
            OpenSearchHttp.sleep(MERGE_POLL_MILLIS);
        }
    }

    /**
     * Two instances are equal when they are the same version (index) of the same collection: the store hands out a
     * new instance per {@code get}, and callers that keep state per collection (the server's group commit) must
     * find it again.
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof OpenSearchCollection that && name.equals(that.name) && index().equals(that.index());
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + index().hashCode();
    }

    @Override
    public String toString() {
        return "OpenSearchCollection[" + name + " -> " + index() + "]";
    }
}
