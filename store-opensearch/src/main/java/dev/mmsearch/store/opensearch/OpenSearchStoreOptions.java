package dev.mmsearch.store.opensearch;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How {@link OpenSearchCollectionStore} reaches the cluster and lays out new collections. Immutable; start from
 * {@link #forHosts(List)} and change with the {@code with*} methods.
 *
 * @param hosts           HTTP addresses of cluster nodes, e.g. {@code http://10.0.0.5:9200}; requests are spread
 *                        over them and a node that stops answering is skipped until it answers again
 * @param indexPrefix     prefix of every index and alias the store owns ({@code <prefix><collection>}), so several
 *                        mmsearch installations can share a cluster; lower-case
 * @param shards          primary shards of a new collection's index
 * @param replicas        replicas per shard of a new collection's index
 * @param refreshInterval the index's {@code refresh_interval}: {@code -1} (the default) makes writes visible only on
 *                        {@link dev.mmsearch.core.SearchCollection#commit()}, as in the embedded store; e.g.
 *                        {@code 1s} makes them visible within a second as well
 * @param bulkBatchSize   documents per bulk request
 * @param maxRetries      retries of a request (and of the documents of a bulk request) answered with 429 or 5xx,
 *                        or that could not reach any node
 * @param initialBackoff  wait before the first retry; doubled for each further one
 * @param maxBackoff      longest wait between retries
 */
public record OpenSearchStoreOptions(List<String> hosts, String indexPrefix, int shards, int replicas,
                                     String refreshInterval, int bulkBatchSize, int maxRetries,
                                     Duration initialBackoff, Duration maxBackoff) {

    public static final String DEFAULT_INDEX_PREFIX = "mmsearch-";

    public OpenSearchStoreOptions {
        Objects.requireNonNull(hosts, "hosts");
        hosts = List.copyOf(hosts);
        if (hosts.isEmpty()) {
            throw invalid("no OpenSearch hosts given; give at least one, e.g. http://localhost:9200");
        }
        for (String host : hosts) {
            URI uri;
            try {
                uri = URI.create(host);
            } catch (IllegalArgumentException e) {
                throw invalid("OpenSearch host '" + host + "' is not a URL; write it like http://localhost:9200");
            }
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw invalid("OpenSearch host '" + host + "' is not an http(s) URL; write it like"
                        + " http://localhost:9200");
            }
        }
        if (indexPrefix == null || !indexPrefix.matches("[a-z0-9][a-z0-9_-]{0,31}")) {
            throw invalid("index prefix '" + indexPrefix + "' must be 1-32 characters of a-z, 0-9, '_' and '-',"
                    + " starting with a letter or digit");
        }
        if (shards < 1 || shards > 1024) {
            throw invalid("shards must be between 1 and 1024, got " + shards);
        }
        if (replicas < 0 || replicas > 16) {
            throw invalid("replicas must be between 0 and 16, got " + replicas);
        }
        if (refreshInterval == null || !refreshInterval.matches("-1|[1-9][0-9]*(ms|s|m)")) {
            throw invalid("refresh interval '" + refreshInterval + "' must be -1 (refresh on commit only) or a"
                    + " duration like 500ms, 1s, 1m");
        }
        if (bulkBatchSize < 1 || bulkBatchSize > 10_000) {
            throw invalid("bulk batch size must be between 1 and 10000, got " + bulkBatchSize);
        }
        if (maxRetries < 0 || maxRetries > 20) {
            throw invalid("max retries must be between 0 and 20, got " + maxRetries);
        }
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw invalid("backoff must be 0 <= initial <= max, got " + initialBackoff + " and " + maxBackoff);
        }
    }

    /**
     * Defaults for these hosts: prefix {@value #DEFAULT_INDEX_PREFIX}, 1 shard, 1 replica, refresh on commit only,
     * bulk batches of 500, 6 retries backing off from 100 ms up to 5 s.
     */
    public static OpenSearchStoreOptions forHosts(List<String> hosts) {
        return new OpenSearchStoreOptions(hosts, DEFAULT_INDEX_PREFIX, 1, 1, "-1", 500, 6, Duration.ofMillis(100),
                Duration.ofSeconds(5));
    }

    public OpenSearchStoreOptions withIndexPrefix(String prefix) {
        return new OpenSearchStoreOptions(hosts, prefix, shards, replicas, refreshInterval, bulkBatchSize, maxRetries,
                initialBackoff, maxBackoff);
    }

    public OpenSearchStoreOptions withShards(int count) {
        return new OpenSearchStoreOptions(hosts, indexPrefix, count, replicas, refreshInterval, bulkBatchSize,
                maxRetries, initialBackoff, maxBackoff);
    }

    public OpenSearchStoreOptions withReplicas(int count) {
        return new OpenSearchStoreOptions(hosts, indexPrefix, shards, count, refreshInterval, bulkBatchSize,
                maxRetries, initialBackoff, maxBackoff);
    }

    public OpenSearchStoreOptions withRefreshInterval(String interval) {
        return new OpenSearchStoreOptions(hosts, indexPrefix, shards, replicas, interval, bulkBatchSize, maxRetries,
                initialBackoff, maxBackoff);
    }

    public OpenSearchStoreOptions withBulkBatchSize(int size) {
        return new OpenSearchStoreOptions(hosts, indexPrefix, shards, replicas, refreshInterval, size, maxRetries,
                initialBackoff, maxBackoff);
    }

    public OpenSearchStoreOptions withRetries(int retries, Duration initial, Duration max) {
        return new OpenSearchStoreOptions(hosts, indexPrefix, shards, replicas, refreshInterval, bulkBatchSize,
                retries, initial, max);
    }

    /** The wait before retry number {@code attempt} (1-based): initial x 2^(attempt-1), at most the maximum. */
    Duration backoff(int attempt) {
        long millis = initialBackoff.toMillis() << Math.min(30, Math.max(0, attempt - 1));
        return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
    }

    private static MmsearchException invalid(String message) {
        return new MmsearchException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
