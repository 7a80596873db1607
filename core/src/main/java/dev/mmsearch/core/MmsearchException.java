package dev.mmsearch.core;

/**
 * The one exception type that crosses module boundaries. Its message is written for the user:
 * it says what is wrong and, where possible, what to do next.
 */
public class MmsearchException extends RuntimeException {
    private final ErrorCode code;

    public MmsearchException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public MmsearchException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    public static MmsearchException badRequest(String message) {
        return new MmsearchException(ErrorCode.BAD_REQUEST, message);
    }

    public static MmsearchException collectionNotFound(String name) {
        return new MmsearchException(ErrorCode.COLLECTION_NOT_FOUND,
                "collection '" + name + "' does not exist; list collections with `mmsearch collections`");
    }
}
