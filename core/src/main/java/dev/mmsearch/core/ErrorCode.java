package dev.mmsearch.core;

/**
 * Stable error codes of the public API. The {@link #code()} string is part of the contract
 * (clients match on it); {@link #httpStatus()} is the status the REST layer answers with.
 */
public enum ErrorCode {
    BAD_REQUEST("bad_request", 400),
    EMPTY_QUERY("empty_query", 400),
    INVALID_ARGUMENT("invalid_argument", 400),
    INVALID_INPUT("invalid_input", 400),
    COLLECTION_NOT_FOUND("collection_not_found", 404),
    MODEL_NOT_FOUND("model_not_found", 404),
    NOT_FOUND("not_found", 404),
    COLLECTION_EXISTS("collection_exists", 409),
    MODEL_MISMATCH("model_mismatch", 409),
    /** A conditional write ({@code If-Match}) found the document at another version than the one it read. */
    VERSION_CONFLICT("version_conflict", 409),
    PAYLOAD_TOO_LARGE("payload_too_large", 413),
    UNSUPPORTED_MEDIA_TYPE("unsupported_media_type", 415),
    INTERNAL("internal", 500),
    NOT_READY("not_ready", 503),
    /** Too many searches at once: this one waited its longest for a turn. Retry after a moment. */
    OVERLOADED("overloaded", 503),
    /** The collection exists but cannot be served (e.g. its index files are damaged); the others still are. */
    COLLECTION_UNAVAILABLE("collection_unavailable", 503),
    /** The disk (or quota) holding the data ran out while writing; the last commit is kept. */
    STORAGE_FULL("storage_full", 507);

    /**
     * Whether {@code e} or one of its causes is the file system saying the disk (or the user's quota) is full:
     * ENOSPC / EDQUOT on Linux and macOS, ERROR_DISK_FULL on Windows. The JDK gives only the OS's text, so the
     * text is what is matched.
     */
    public static boolean isDiskFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (t instanceof java.io.IOException && message != null && (message.contains("No space left on device")
                    || message.contains("Disk quota exceeded") || message.contains("not enough space on the disk"))) {
                return true;
            }
        }
        return false;
    }

    private final String code;
    private final int httpStatus;

    ErrorCode(String code, int httpStatus) {
        this.code = code;
        this.httpStatus = httpStatus;
    }

    public String code() {
        return code;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
