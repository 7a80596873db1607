package dev.mmsearch.server.web;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * Per-arm request counts, recent latency percentiles, zero-result and click-through rates since
 * start, for the UI's experiments page ({@code GET /api/v1/experiments/metrics}). The same
 * events also go to Micrometer ({@code mmsearch.experiment.*}) for Prometheus; this recorder
 * exists because the page wants ready-made per-arm numbers from one small JSON call rather than
 * a Prometheus scrape to parse.
 *
 * <p>Bounded memory: at most {@value #MAX_ARMS} (scene, layer, arm) keys, each with a ring of the
 * last {@value #RESERVOIR} latencies; click-through is tracked per query id in a bounded set of the
 * last {@value RecentQueries#DEFAULT_CAPACITY} clicked queries (so two clicks on one result page count once).
 * Thread-safe: counters are updated under each arm's own lock, the key map is concurrent.
 */
@Component
public class ArmMetrics {
    /** Latencies kept per arm for the percentiles (the most recent ones). */
    static final int RESERVOIR = 2048;
    /** Keys beyond this many (scene, layer, arm) combinations are not tracked (configs have a handful). */
    static final int MAX_ARMS = 256;

    private record Key(String scene, String layer, String arm) {
    }

    /**
     * One arm's counters. A fixed ring of recent latencies is hand-written instead of a Micrometer
     * timer's percentiles because those decay on a time window and are only computed for
     * registered meters; a ring of 2048 longs (16 KB) gives exact percentiles of the last requests.
     */
    private static final class Counters {
        private final long[] latencyNanos = new long[RESERVOIR];
        private long requests;
        private long zeroResults;
        private long clickedQueries;
        private long clicks;

        synchronized void request(long nanos, boolean zeroResult) {
            latencyNanos[(int) (requests % RESERVOIR)] = nanos;
            requests++;
            if (zeroResult) {
                zeroResults++;
            }
        }

        synchronized void click(boolean firstClickOfQuery) {
            clicks++;
            if (firstClickOfQuery) {
                clickedQueries++;
            }
        }

        synchronized Map<String, Object> snapshot(Key key) {
            int samples = (int) Math.min(requests, RESERVOIR);
            long[] sorted = Arrays.copyOf(latencyNanos, samples);
            Arrays.sort(sorted);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("scene", key.scene());
            out.put("layer", key.layer());
            out.put("arm", key.arm());
            out.put("requests", requests);
            out.put("zeroResults", zeroResults);
            out.put("zeroResultRate", requests == 0 ? 0.0 : (double) zeroResults / requests);
            out.put("clicks", clicks);
            out.put("clickedQueries", clickedQueries);
            out.put("clickThroughRate", requests == 0 ? 0.0 : (double) clickedQueries / requests);
            Map<String, Object> latency = new LinkedHashMap<>();
            latency.put("samples", samples);
            latency.put("p50", percentileMs(sorted, 0.50));
            latency.put("p95", percentileMs(sorted, 0.95));
            latency.put("p99", percentileMs(sorted, 0.99));
            out.put("latencyMs", latency);
            return out;
        }

        /** Nearest-rank percentile; null when there is no sample yet. */
        private static Double percentileMs(long[] sorted, double p) {
            if (sorted.length == 0) {
                return null;
            }
            int rank = (int) Math.ceil(p * sorted.length);
            return sorted[Math.max(0, rank - 1)] / 1e6;
        }
    }

    private final Instant since = Instant.now();
    private final Map<Key, Counters> arms = new ConcurrentHashMap<>();
    private final Map<String, Boolean> clickedQueryIds = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > RecentQueries.DEFAULT_CAPACITY;
        }
    };

    /** One answered search: credited to the arm of every layer that served it. */
    public void recordSearch(String scene, Map<String, String> armsByLayer, long nanos, boolean zeroResult) {
        armsByLayer.forEach((layer, arm) -> {
            Counters counters = counters(new Key(scene, layer, arm));
            if (counters != null) {
                counters.request(nanos, zeroResult);
            }
        });
    }

    /** A click on a result of query {@code queryId}, credited to the arms that served it. */
    public void recordClick(String queryId, String scene, Map<String, String> armsByLayer) {
        boolean first;
        synchronized (clickedQueryIds) {
            first = clickedQueryIds.put(queryId, Boolean.TRUE) == null;
        }
        armsByLayer.forEach((layer, arm) -> {
            Counters counters = counters(new Key(scene, layer, arm));
            if (counters != null) {
                counters.click(first);
            }
        });
    }

    /** Every tracked arm's numbers, sorted by scene, layer, arm. */
    public Map<String, Object> snapshot() {
        List<Map<String, Object>> rows = new ArrayList<>();
        arms.entrySet().stream()
                .sorted(Map.Entry.comparingByKey(Comparator.comparing(Key::scene).thenComparing(Key::layer)
                        .thenComparing(Key::arm)))
                .forEach(e -> rows.add(e.getValue().snapshot(e.getKey())));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("since", since.toString());
        out.put("latencyWindow", RESERVOIR);
        out.put("arms", rows);
        return out;
    }

    private Counters counters(Key key) {
        Counters existing = arms.get(key);
        if (existing != null || arms.size() >= MAX_ARMS) {
            return existing;
        }
        return arms.computeIfAbsent(key, k -> new Counters());
    }
}
