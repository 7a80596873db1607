package dev.mmsearch.server.web;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The last {@code capacity} answered queries (id → arms and returned hit ids; setting
 * {@code mmsearch.feedback.recent-queries}, default {@value #DEFAULT_CAPACITY}), so a click reported later through
 * {@code POST /api/v1/feedback} is credited to the arms that produced the result. Bounded memory; a click on an
 * older query is refused as unknown.
 *
 * <p>Lock-free, since every search remembers its answer: the entries live in a {@link ConcurrentHashMap}, and the
 * eviction order is a ring of {@code capacity} ids written at an {@link AtomicLong} position; the id a slot held is
 * evicted when the slot is reused. An id is put in the map before it enters the ring, so whoever evicts it removes
 * an entry that is there, and the map never holds more than {@code capacity} entries plus the remembers in flight.
 * Under concurrent remembers, "oldest" is by the order the positions were taken.
 */
final class RecentQueries {
    static final int DEFAULT_CAPACITY = 100_000;
    static final String SETTING = "mmsearch.feedback.recent-queries";

    record Served(String collection, String scene, String configVersion, Map<String, String> arms, List<String> hitIds) {
    }

    private final int capacity;
    private final ConcurrentHashMap<String, Served> served = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<String> ring;
    private final AtomicLong next = new AtomicLong();

    /** @param capacity queries remembered, at least 1 */
    RecentQueries(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException(SETTING + " must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.ring = new AtomicReferenceArray<>(capacity);
    }

    int capacity() {
        return capacity;
    }

    void remember(String queryId, Served entry) {
        served.put(queryId, entry);
        String evicted = ring.getAndSet((int) Math.floorMod(next.getAndIncrement(), (long) capacity), queryId);
        if (evicted != null && !evicted.equals(queryId)) {
            served.remove(evicted);
        }
    }

    Served get(String queryId) {
        return served.get(queryId);
    }

    /** Entries held now (for tests and diagnostics). */
    int size() {
        return served.size();
    }
}
