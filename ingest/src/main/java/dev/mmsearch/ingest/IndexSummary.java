package dev.mmsearch.ingest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The outcome of one indexing run. Every non-blank input line is counted exactly once:
 * {@code read = indexed + skipped + failed + duplicates}.
 *
 * @param read          records read (non-blank lines)
 * @param indexed       distinct documents encoded and written
 * @param skipped       documents the collection already held unchanged (resume mode), not re-encoded; with
 *                      {@code --resume} also the records a checkpoint covered (not read again)
 * @param failed        bad records (written to the error report)
 * @param duplicates    records whose id appeared earlier in the same input; the later one replaced the earlier
 * @param elapsed       wall time of the run
 * @param docsPerSecond {@code indexed} per second of {@code elapsed}
 * @param errorReport   the error report file, or {@code null} when there was no error
 * @param passages      in a collection with passages, how the run's documents were split ({@link PassageStats#NONE}
 *                      otherwise)
 */
public record IndexSummary(long read, long indexed, long skipped, long failed, long duplicates, Duration elapsed,
                           double docsPerSecond, Path errorReport, PassageStats passages) {
    public IndexSummary {
        Objects.requireNonNull(elapsed, "elapsed");
        passages = passages == null ? PassageStats.NONE : passages;
    }

    /** A run without passages. */
    public IndexSummary(long read, long indexed, long skipped, long failed, long duplicates, Duration elapsed,
                        double docsPerSecond, Path errorReport) {
        this(read, indexed, skipped, failed, duplicates, elapsed, docsPerSecond, errorReport, PassageStats.NONE);
    }

    /**
     * The one line the CLI prints, e.g.
     * {@code read 5183, indexed 5183, skipped 0, failed 0 in 812.3 s (6.4 docs/s); errors: none}.
     * Duplicates are named only when there are some.
     */
    public String toLine() {
        StringBuilder line = new StringBuilder();
        line.append("read ").append(read).append(", indexed ").append(indexed).append(", skipped ").append(skipped)
                .append(", failed ").append(failed);
        if (duplicates > 0) {
            line.append(", duplicates ").append(duplicates);
        }
        line.append(String.format(Locale.ROOT, " in %.1f s (%.1f docs/s); errors: ", elapsed.toMillis() / 1000.0, docsPerSecond));
        line.append(errorReport == null ? "none" : errorReport.toString());
        if (passages.documents() > 0) {
            line.append("; passages: ").append(passages.toLine());
        }
        return line.toString();
    }
}
