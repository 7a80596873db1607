package dev.mmsearch.client;

/**
 * An answer of the server that is not a success, or no answer at all: the HTTP status (0 when the server could not
 * be reached), the API's stable error code ({@code invalid_argument}, {@code collection_not_found}, ...; null when
 * the body had none) and its message.
 */
public final class MmsearchClientException extends RuntimeException {
    private final int status;
    private final String code;
    private final String lastFailure;

    public MmsearchClientException(int status, String code, String message, Throwable cause) {
        this(status, code, message, cause, null);
    }

    /** @param lastFailure for a server not reached: why the last try failed (e.g. {@code ConnectException}) */
    public MmsearchClientException(int status, String code, String message, Throwable cause, String lastFailure) {
        super(message, cause);
        this.status = status;
        this.code = code;
        this.lastFailure = lastFailure;
    }

    /** Why the last try failed when the server was not reached; null otherwise. */
    public String lastFailure() {
        return lastFailure;
    }

    /** The HTTP status, or 0 when no answer came (connection refused, timeout). */
    public int status() {
        return status;
    }

    /** The API's error code, e.g. {@code collection_not_found}; null when the server sent none. */
    public String code() {
        return code;
    }
}
