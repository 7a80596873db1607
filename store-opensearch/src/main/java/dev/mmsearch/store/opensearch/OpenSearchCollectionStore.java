package dev.mmsearch.store.opensearch;

import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.VectorEncoding;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The distributed store: each collection is an OpenSearch index (see {@link OpenSearchCollection} for the layout)
 * reached through the alias {@code <prefix><name>}; the index itself is {@code <prefix><name>.<version>}
 * ({@code .} cannot occur in a collection name, so versions never collide with collections). The model stamp,
 * schema and vector encoding live in the index mapping's {@code _meta}, written when the index is created.
 *
 * <p>Versions ({@link #createVersion}, {@link #publishVersion}, {@link #discardVersion}): a re-index writes a new
 * index without the alias; publishing moves the alias in one {@code _aliases} request (atomic in the cluster state,
 * so searches see the old or the new index, never a mix) and deletes the replaced index after a grace period
 * (at once on {@link #close()}).
 *
 * <p>Only FLOAT32 vectors: the k-NN plugin's Lucene engine in 2.19 has no 8-bit scalar quantisation of float
 * vectors, so INT8 is refused with INVALID_ARGUMENT. Thread-safe.
 */
public final class OpenSearchCollectionStore implements CollectionStore {
    private static final Logger log = LoggerFactory.getLogger(OpenSearchCollectionStore.class);
    /** How long a version replaced by {@link #publishVersion} stays before its index is deleted. */
    public static final Duration DEFAULT_RETIRE_GRACE = Duration.ofSeconds(10);

    private final OpenSearchStoreOptions options;
    private final OpenSearchHttp http;
    private final Pattern versionIndex;
    private final Duration retireGrace;
    private final Map<String, String> retiring = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retirer;
    private final Object lifecycleLock = new Object();
    private volatile boolean closed;

    /** A store over the cluster at {@code options.hosts()}; nothing is contacted until the first call. */
    public OpenSearchCollectionStore(OpenSearchStoreOptions options) {
        this(options, DEFAULT_RETIRE_GRACE);
    }

    public OpenSearchCollectionStore(OpenSearchStoreOptions options, Duration retireGrace) {
        this.options = Objects.requireNonNull(options, "options");
        this.retireGrace = Objects.requireNonNull(retireGrace, "retireGrace");
        this.http = new OpenSearchHttp(options);
        this.versionIndex = Pattern.compile(Pattern.quote(options.indexPrefix()) + "([a-z0-9][a-z0-9_-]{0,63})\\.([0-9]{1,9})");
        this.retirer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "opensearch-store-retirer");
            thread.setDaemon(true);
            return thread;
        });
    }

    public OpenSearchStoreOptions options() {
        return options;
    }

    /**
     * How many times requests of this store were retried so far (a request answered 429/5xx or unreachable, or a
     * bulk round sending rejected documents again); for metrics and tests.
     */
    public long retries() {
        return http.retries();
    }

    private String alias(String name) {
        return options.indexPrefix() + name;
    }

    private String versionIndex(String name, int version) {
        return options.indexPrefix() + name + "." + version;
    }

    @Override
    public List<CollectionInfo> list() {
        ensureOpen();
        List<CollectionInfo> infos = new ArrayList<>();
        for (String name : published().keySet()) {
            try {
                infos.add(get(name).info());
            } catch (MmsearchException e) {
                // One unreadable collection must not hide the others; it still fails loudly when opened.
                log.warn("listing skips collection={}: {}", name, e.getMessage());
            }
        }
        infos.sort(Comparator.comparing(CollectionInfo::name));
        return infos;
    }

    /** Collection name → index its alias points at, for every collection of this prefix. */
    private Map<String, String> published() {
        OpenSearchHttp.Reply reply = http.call("GET", "/" + options.indexPrefix() + "*/_alias", Map.of(), null);
        Map<String, String> out = new java.util.TreeMap<>();
        if (reply.status() == 404) {
            return out;
        }
        JsonNode body = require(reply, "list collections");
        for (Map.Entry<String, JsonNode> index : body.properties()) {
            Matcher m = versionIndex.matcher(index.getKey());
            if (!m.matches()) {
                continue;
            }
            if (index.getValue().path("aliases").has(alias(m.group(1)))) {
                out.put(m.group(1), index.getKey());
            }
        }
        return out;
    }

    @Override
    public boolean exists(String name) {
        CollectionStore.validateName(name);
        ensureOpen();
        return resolve(name) != null;
    }

    /** The index alias {@code name} points at, or null when the collection does not exist. */
    private String resolve(String name) {
        OpenSearchHttp.Reply reply = http.call("GET", "/_alias/" + alias(name), Map.of(), null);
        if (reply.status() == 404) {
            return null;
        }
        JsonNode body = require(reply, "find collection '" + name + "'");
        for (Map.Entry<String, JsonNode> index : body.properties()) {
            return index.getKey();
        }
        return null;
    }

    @Override
    public OpenSearchCollection get(String name) {
        CollectionStore.validateName(name);
        ensureOpen();
        String index = resolve(name);
        if (index == null) {
            throw MmsearchException.collectionNotFound(name);
        }
        return open(name, index);
    }

    private OpenSearchCollection open(String name, String index) {
        OpenSearchHttp.Reply reply = http.call("GET", "/" + index + "/_mapping", Map.of(), null);
        if (reply.status() == 404) {
            throw MmsearchException.collectionNotFound(name);
        }
        JsonNode meta = require(reply, "read collection '" + name + "'").path(index).path("mappings").path("_meta")
                .path(CollectionMeta.KEY);
        return new OpenSearchCollection(name, index, CollectionMeta.fromJson(index, meta), http);
    }

    /**
     * {@inheritDoc}
     *
     * <p>An existing collection keeps its stored schema (a different requested one is logged, not applied).
     * Creation is one request (index, mapping with {@code _meta}, alias), so a concurrent creator either wins or
     * finds the collection.
     *
     * @throws MmsearchException INVALID_ARGUMENT for INT8 (not supported by this store), MODEL_MISMATCH
     */
    @Override
    public OpenSearchCollection getOrCreate(String name, CollectionSchema schema, ModelStamp stamp,
                                            VectorEncoding encoding) {
        CollectionStore.validateName(name);
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(stamp, "stamp");
        requireSupported(encoding);
        ensureOpen();
        synchronized (lifecycleLock) {
            for (int attempt = 0; attempt < 3; attempt++) {
                String index = resolve(name);
                if (index != null) {
                    OpenSearchCollection collection = open(name, index);
                    CollectionStore.requireReusable(collection, schema, stamp, encoding);
                    return collection;
                }
                index = versionIndex(name, nextVersion(name));
                CollectionMeta meta = new CollectionMeta(stamp, schema, encoding, Instant.now());
                OpenSearchHttp.Reply reply = http.call("PUT", "/" + index, Map.of(),
                        DocumentLayout.indexDefinition(meta, options, alias(name)));
                if (reply.ok()) {
                    log.info("created collection={} index={} shards={} replicas={} stamp={}", name, index,
                            options.shards(), options.replicas(), stamp.describe());
                    return new OpenSearchCollection(name, index, meta, http);
                }
                String plugin = DocumentLayout.pluginOf(schema.analyzer());
                if (plugin != null && reply.status() == 400 && reply.describe().contains("analyzer")) {
                    throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "collection '" + name + "': analyzer '"
                            + schema.analyzer().label() + "' needs OpenSearch's " + plugin + " plugin on every node"
                            + " (bin/opensearch-plugin install " + plugin + "), and this cluster has none ("
                            + reply.describe() + "); install it, or choose english, cjk or standard");
                }
                if (!"resource_already_exists_exception".equals(reply.errorType())
                        && !"invalid_alias_name_exception".equals(reply.errorType())) {
                    require(reply, "create collection '" + name + "'");
                }
                // Another process created it (or a leftover version index is in the way): look again.
            }
            throw new MmsearchException(ErrorCode.INTERNAL, "collection '" + name + "' could not be created: its"
                    + " OpenSearch index kept appearing concurrently; try again");
        }
    }

    private static void requireSupported(VectorEncoding encoding) {
        Objects.requireNonNull(encoding, "encoding");
        if (encoding != VectorEncoding.FLOAT32) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "the OpenSearch store does not support vector"
                    + " encoding " + encoding.label() + " (the k-NN Lucene engine of OpenSearch 2.19 indexes float"
                    + " vectors only); use float32");
        }
    }

    /** One more than the highest version index of {@code name} (1 when there is none). */
    private int nextVersion(String name) {
        int max = 0;
        for (String index : versionIndices(name)) {
            Matcher m = versionIndex.matcher(index);
            if (m.matches()) {
                max = Math.max(max, Integer.parseInt(m.group(2)));
            }
        }
        return max + 1;
    }

    /** Every index {@code <prefix><name>.<n>}, published or not. */
    private List<String> versionIndices(String name) {
        OpenSearchHttp.Reply reply = http.call("GET", "/" + alias(name) + ".*/_alias",
                Map.of("expand_wildcards", "all"), null);
        List<String> out = new ArrayList<>();
        if (reply.ok()) {
            for (Map.Entry<String, JsonNode> index : reply.body().properties()) {
                Matcher m = versionIndex.matcher(index.getKey());
                if (m.matches() && m.group(1).equals(name)) {
                    out.add(index.getKey());
                }
            }
        }
        return out;
    }

    /** Deletes every index of the collection (all versions). */
    @Override
    public void delete(String name) {
        CollectionStore.validateName(name);
        ensureOpen();
        synchronized (lifecycleLock) {
            String index = resolve(name);
            if (index == null) {
                throw MmsearchException.collectionNotFound(name);
            }
            // The published index first (the collection is gone at once), then unpublished versions.
            require(http.call("DELETE", "/" + index, Map.of(), null), "delete collection '" + name + "'");
            for (String version : versionIndices(name)) {
                OpenSearchHttp.Reply reply = http.call("DELETE", "/" + version, Map.of(), null);
                if (!reply.ok() && reply.status() != 404) {
                    log.warn("deleting version index={} of collection={} failed: {}", version, name,
                            reply.describe());
                }
                retiring.remove(version);
            }
            log.info("deleted collection={} index={}", name, index);
        }
    }

    @Override
    public OpenSearchCollection createVersion(String name, CollectionSchema schema, ModelStamp stamp,
                                              VectorEncoding encoding) {
        CollectionStore.validateName(name);
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(stamp, "stamp");
        requireSupported(encoding);
        ensureOpen();
        synchronized (lifecycleLock) {
            if (resolve(name) == null) {
                throw MmsearchException.collectionNotFound(name);
            }
            String index = versionIndex(name, nextVersion(name));
            CollectionMeta meta = new CollectionMeta(stamp, schema, encoding, Instant.now());
            require(http.call("PUT", "/" + index, Map.of(),
                    DocumentLayout.indexDefinition(meta, options, null)), "create a new version of collection '"
                    + name + "'");
            log.info("created version collection={} index={} stamp={}", name, index, stamp.describe());
            return new OpenSearchCollection(name, index, meta, http);
        }
    }

    @Override
    public void publishVersion(String name, SearchCollection version) {
        OpenSearchCollection next = ownVersion(name, version);
        synchronized (lifecycleLock) {
            String current = resolve(name);
            if (current == null) {
                throw MmsearchException.collectionNotFound(name);
            }
            if (current.equals(next.index())) {
                return;
            }
            ObjectNode body = Json.MAPPER.createObjectNode();
            ArrayNode actions = body.putArray("actions");
            actions.addObject().putObject("remove").put("index", current).put("alias", alias(name));
            actions.addObject().putObject("add").put("index", next.index()).put("alias", alias(name));
            require(http.call("POST", "/_aliases", Map.of(), body), "publish a new version of collection '" + name
                    + "'");
            log.info("published collection={} index={} replacing={} (deleted in {} s)", name, next.index(), current,
                    retireGrace.toSeconds());
            retiring.put(current, name);
            retirer.schedule(() -> retire(current), retireGrace.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void discardVersion(String name, SearchCollection version) {
        OpenSearchCollection discarded = ownVersion(name, version);
        synchronized (lifecycleLock) {
            if (discarded.index().equals(resolve(name))) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "version " + discarded.index()
                        + " is the published version of collection '" + name + "'; delete the collection instead");
            }
            OpenSearchHttp.Reply reply = http.call("DELETE", "/" + discarded.index(), Map.of(), null);
            if (reply.status() != 404) {
                require(reply, "discard a version of collection '" + name + "'");
            }
            log.info("discarded version collection={} index={}", name, discarded.index());
        }
    }

    private OpenSearchCollection ownVersion(String name, SearchCollection version) {
        CollectionStore.validateName(name);
        ensureOpen();
        if (!(version instanceof OpenSearchCollection collection) || !collection.name().equals(name)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "that is not a version of collection '" + name
                    + "' from this store");
        }
        return collection;
    }

    private void retire(String index) {
        if (retiring.remove(index) == null) {
            return;
        }
        OpenSearchHttp.Reply reply = http.call("DELETE", "/" + index, Map.of(), null);
        if (reply.ok() || reply.status() == 404) {
            log.info("removed replaced version index={}", index);
        } else {
            log.warn("removing replaced version index={} failed: {}", index, reply.describe());
        }
    }

    /** Deletes versions still in their grace period and closes the HTTP client. Idempotent. */
    @Override
    public void close() {
        synchronized (lifecycleLock) {
            if (closed) {
                return;
            }
            closed = true;
            retirer.shutdownNow();
            for (String index : List.copyOf(retiring.keySet())) {
                retire(index);
            }
            http.close();
            log.info("closed opensearch store hosts={}", options.hosts());
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new MmsearchException(ErrorCode.NOT_READY, "the OpenSearch collection store is closed");
        }
    }

    private JsonNode require(OpenSearchHttp.Reply reply, String action) {
        if (reply.ok()) {
            return reply.body();
        }
        ErrorCode code = reply.status() == 429 || reply.status() >= 500 ? ErrorCode.NOT_READY : ErrorCode.INTERNAL;
        throw new MmsearchException(code, "OpenSearch could not " + action + ": " + reply.describe());
    }
}
