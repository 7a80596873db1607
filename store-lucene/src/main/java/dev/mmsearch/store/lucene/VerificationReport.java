package dev.mmsearch.store.lucene;

import java.util.List;
import java.util.Objects;

/**
 * What {@link LuceneCollectionStore#verify()} found: one {@link Check} per collection, in name order, and how long
 * the whole verification took. Immutable.
 */
public record VerificationReport(List<Check> checks, long millis) {

    public VerificationReport {
        checks = List.copyOf(checks);
    }

    /**
     * One collection's result.
     *
     * @param name      the collection
     * @param documents live documents of its last commit (0 when it failed)
     * @param sizeBytes bytes of its last commit's files (0 when it failed)
     * @param millis    how long its check took
     * @param problem   null when every file of the commit verified; else why it is unavailable and what to do
     */
    public record Check(String name, long documents, long sizeBytes, long millis, String problem) {
        public Check {
            Objects.requireNonNull(name, "name");
        }

        public boolean ok() {
            return problem == null;
        }
    }

    /** The collections that failed, in name order. */
    public List<Check> unavailable() {
        return checks.stream().filter(c -> !c.ok()).toList();
    }

    /** The collections that verified, in name order. */
    public List<Check> verified() {
        return checks.stream().filter(Check::ok).toList();
    }
}
