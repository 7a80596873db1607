package dev.mmsearch.ingest;

/**
 * Receives progress of a long run (indexing, evaluation). Implementations decide how to show it;
 * library code never prints. Calls come from the indexing thread.
 */
public interface IndexProgress {

    /** Shows nothing. */
    IndexProgress NONE = new IndexProgress() {
        @Override
        public void start(String task, long total) {
        }

        @Override
        public void advance(long n) {
        }

        @Override
        public void finish() {
        }
    };

    /**
     * A new run begins.
     *
     * @param task  short label, e.g. {@code "index scifact"}
     * @param total records expected, or {@code -1} when unknown
     */
    void start(String task, long total);

    /** {@code n} more records are done (indexed, skipped or failed). */
    void advance(long n);

    /** The run ended (normally or not); releases whatever the display holds. */
    void finish();
}
