package dev.mmsearch.server.web;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last {@value #CAPACITY} answered queries (id → arms and returned hit ids), so a click
 * reported later through {@code POST /api/v1/feedback} is credited to the arms that produced the
 * result. Bounded memory; a click on an older query is refused as unknown.
 */
final class RecentQueries {
    static final int CAPACITY = 100_000;

    record Served(String collection, String scene, String configVersion, Map<String, String> arms, List<String> hitIds) {
    }

    private final Map<String, Served> served = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Served> eldest) {
            return size() > CAPACITY;
        }
    };

    synchronized void remember(String queryId, Served entry) {
        served.put(queryId, entry);
    }

    synchronized Served get(String queryId) {
        return served.get(queryId);
    }
}
