package dev.mmsearch.retrieval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one request did: wall time per stage and, in debug mode, each stage's candidates. Owned by
 * one {@link RequestContext}, never shared between requests; synchronized because a stage may fan
 * work out to other threads.
 */
public final class Trace {
    /** Candidates kept per stage in debug mode. */
    public static final int MAX_DEBUG_CANDIDATES = 100;

    private final boolean debug;
    private final Map<String, Double> timingsMs = new LinkedHashMap<>();
    private final Map<String, List<Candidate>> candidates = new LinkedHashMap<>();

    public Trace(boolean debug) {
        this.debug = debug;
    }

    public boolean debug() {
        return debug;
    }

    /** Adds the milliseconds since {@code startNanos} to {@code stage} (a stage timed twice sums). */
    public synchronized void time(String stage, long startNanos) {
        double ms = Math.round((System.nanoTime() - startNanos) / 1_000.0) / 1_000.0;
        timingsMs.merge(stage, ms, Double::sum);
    }

    /** In debug mode, records the first {@value #MAX_DEBUG_CANDIDATES} candidates of {@code stage}; otherwise nothing. */
    public synchronized void candidates(String stage, List<Candidate> list) {
        if (debug) {
            candidates.put(stage, List.copyOf(list.subList(0, Math.min(MAX_DEBUG_CANDIDATES, list.size()))));
        }
    }

    /** Stage → milliseconds, in the order stages were first timed. */
    public synchronized Map<String, Double> timingsMs() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(timingsMs));
    }

    /** Stage → its candidates (debug mode; empty otherwise). */
    public synchronized Map<String, List<Candidate>> candidates() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(candidates));
    }
}
