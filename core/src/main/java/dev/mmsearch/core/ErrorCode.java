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
    PAYLOAD_TOO_LARGE("payload_too_large", 413),
    UNSUPPORTED_MEDIA_TYPE("unsupported_media_type", 415),
    INTERNAL("internal", 500),
    NOT_READY("not_ready", 503);

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
