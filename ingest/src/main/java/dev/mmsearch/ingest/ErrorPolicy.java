package dev.mmsearch.ingest;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;

import java.util.Locale;

/** What indexing does with a bad record. Either way the record is written to the error report. */
public enum ErrorPolicy {
    /** Report the record and go on with the next one. */
    SKIP,
    /**
     * Stop at the first bad record with {@link ErrorCode#INVALID_INPUT} {@code "file:line: reason"}.
     * Documents written before the window holding the bad record are committed; that window
     * (at most {@code windowFactor x batchSize} documents) is not written.
     */
    FAIL;

    /** Parses {@code skip} / {@code fail} (any case). */
    public static ErrorPolicy parse(String value) {
        if (value != null) {
            try {
                return valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ignored) {
                // fall through to the user-facing error
            }
        }
        throw new MmsearchException(ErrorCode.INVALID_ARGUMENT,
                "unknown error policy '" + value + "'; use one of: skip, fail");
    }
}
