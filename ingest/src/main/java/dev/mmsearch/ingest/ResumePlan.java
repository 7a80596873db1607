package dev.mmsearch.ingest;

import dev.mmsearch.core.SearchCollection;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code index --resume} does with one input and collection: skip the records a checkpoint of the
 * same file says are committed, or, when there is no usable checkpoint, read everything and encode only
 * documents the collection does not hold unchanged ({@link IndexOptions#skipUnchanged()}).
 *
 * @param skipRecords records at the start of the input not read again (0 = read all)
 * @param message     one line for the user saying which of the two happens and why
 */
public record ResumePlan(long skipRecords, String message) {
    public ResumePlan {
        Objects.requireNonNull(message, "message");
        if (skipRecords < 0) {
            throw new IllegalArgumentException("skipRecords must be >= 0, got " + skipRecords);
        }
    }

    /** Decides from {@code target}'s checkpoint and {@code input} as it is now. */
    public static ResumePlan of(Path input, SearchCollection target) {
        return of(InputCheckpoint.identify(input), target);
    }

    static ResumePlan of(InputCheckpoint now, SearchCollection target) {
        Optional<InputCheckpoint> stored = InputCheckpoint.fromMap(target.checkpoint());
        if (stored.isEmpty()) {
            return new ResumePlan(0, "resume: collection '" + target.name() + "' has no checkpoint; reading all of "
                    + now.path() + " and encoding only documents it does not hold unchanged");
        }
        InputCheckpoint checkpoint = stored.get();
        if (!checkpoint.sameInput(now)) {
            return new ResumePlan(0, "resume: the checkpoint of collection '" + target.name() + "' is for "
                    + (checkpoint.path().equals(now.path()) ? "an earlier version of this file" : checkpoint.path())
                    + " (" + checkpoint.differencesTo(now) + "); reading all of " + now.path()
                    + " and encoding only documents the collection does not hold unchanged");
        }
        return new ResumePlan(checkpoint.records(), checkpoint.complete()
                ? "resume: " + now.path() + " was already indexed completely (" + checkpoint.records()
                        + " records); nothing to do"
                : "resume: skipping the first " + checkpoint.records() + " records of " + now.path()
                        + ", committed by an earlier run");
    }
}
