package dev.mmsearch.config;

import dev.mmsearch.core.experiment.ExperimentConfig;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where the live experiment config comes from. A source always holds a valid config (it refuses
 * to start without one); a valid change replaces it atomically, an invalid change is rejected
 * with a WARN log and the running config stays.
 *
 * <p>To follow changes without missing one, register the listener first, then read
 * {@link #current()}.
 */
public interface ConfigSource extends AutoCloseable {
    /** The config in force now; never null. Safe to call from any thread, lock-free. */
    ExperimentConfig current();

    /**
     * Calls {@code listener} with each newly accepted config (not with the current one), on the
     * source's own thread, one change at a time. A listener that throws is logged and skipped.
     */
    void addListener(Consumer<ExperimentConfig> listener);

    /** Reloads accepted since start (the initial load not counted). */
    long acceptedReloads();

    /** Changes rejected since start (invalid text, failed validation, unchanged version). */
    long rejectedReloads();

    /** Why the last rejected change was rejected, if any was. */
    Optional<String> lastRejection();

    /** The version of {@link #current()}. */
    default String currentVersion() {
        return current().version();
    }

    /** Human description of where the config lives, for logs (e.g. {@code file:/etc/mmsearch/experiments.yaml}). */
    String description();

    /** Stops watching; {@link #current()} keeps answering with the last config. Idempotent. */
    @Override
    void close();
}
