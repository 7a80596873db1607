package dev.mmsearch.ingest;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A record that could not be used.
 *
 * @param file       the input file
 * @param line       1-based line number
 * @param id         the document id when it could be read, else {@code null}
 * @param reason     what is wrong, for a human (e.g. {@code missing id (expected an "id" or "_id" field)})
 * @param rawExcerpt the start of the offending line (at most {@value #EXCERPT_CHARS} characters), for the report
 */
public record SourceError(Path file, long line, String id, String reason, String rawExcerpt) implements SourceRecord {
    /** Longest excerpt of a bad line kept in an error. */
    public static final int EXCERPT_CHARS = 200;

    public SourceError {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(reason, "reason");
        rawExcerpt = excerpt(rawExcerpt);
    }

    /** The error without an id. */
    public SourceError(Path file, long line, String reason, String rawExcerpt) {
        this(file, line, null, reason, rawExcerpt);
    }

    /** {@code file:line: reason}, the form used in exception messages and logs. */
    public String message() {
        return file + ":" + line + ": " + reason;
    }

    static String excerpt(String raw) {
        if (raw == null) {
            return "";
        }
        if (raw.length() <= EXCERPT_CHARS) {
            return raw;
        }
        int end = EXCERPT_CHARS;
        if (Character.isHighSurrogate(raw.charAt(end - 1))) {
            end--; // never cut a surrogate pair in half
        }
        return raw.substring(0, end) + "...";
    }
}
