package dev.mmsearch.grpc;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;

/**
 * Translates between {@link MmsearchException} and gRPC status on both ends of a call. The server
 * sends the exact {@link ErrorCode} in a trailer ({@value #TRAILER}) next to the closest gRPC code,
 * so a remote encoder throws the same error an in-process one would.
 */
final class GrpcErrors {

    static final String TRAILER = "mmsearch-error-code";
    static final Metadata.Key<String> ERROR_CODE = Metadata.Key.of(TRAILER, Metadata.ASCII_STRING_MARSHALLER);

    private GrpcErrors() {
    }

    /** The status a server answers with for {@code error}. */
    static StatusRuntimeException toStatus(Throwable error) {
        if (error instanceof StatusRuntimeException sre) {
            return sre;
        }
        if (error instanceof MmsearchException me) {
            Metadata trailers = new Metadata();
            trailers.put(ERROR_CODE, me.code().code());
            return grpcStatus(me.code()).withDescription(me.getMessage()).asRuntimeException(trailers);
        }
        return Status.INTERNAL.withDescription("inference node failed: " + error).withCause(error).asRuntimeException();
    }

    static Status grpcStatus(ErrorCode code) {
        return switch (code) {
            case MODEL_NOT_FOUND, NOT_FOUND, COLLECTION_NOT_FOUND -> Status.NOT_FOUND;
            case BAD_REQUEST, EMPTY_QUERY, INVALID_ARGUMENT, INVALID_INPUT, UNSUPPORTED_MEDIA_TYPE,
                 PAYLOAD_TOO_LARGE -> Status.INVALID_ARGUMENT;
            case COLLECTION_EXISTS, MODEL_MISMATCH -> Status.FAILED_PRECONDITION;
            case VERSION_CONFLICT -> Status.ABORTED;
            case NOT_READY, COLLECTION_UNAVAILABLE, OVERLOADED -> Status.UNAVAILABLE;
            case STORAGE_FULL -> Status.RESOURCE_EXHAUSTED;
            case INTERNAL -> Status.INTERNAL;
        };
    }

    /**
     * The exception a client throws for a failed call.
     *
     * @param what      the call, for the message ("EncodeText model=bge-small-en-v1.5")
     * @param addresses the inference nodes the client knows, named when none answered
     */
    static MmsearchException toMmsearch(StatusRuntimeException e, String what, List<String> addresses) {
        Status status = e.getStatus();
        String description = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
        Metadata trailers = e.getTrailers();
        String sent = trailers == null ? null : trailers.get(ERROR_CODE);
        if (sent != null) {
            for (ErrorCode code : ErrorCode.values()) {
                if (code.code().equals(sent)) {
                    return new MmsearchException(code, description, e);
                }
            }
        }
        return switch (status.getCode()) {
            case UNAVAILABLE -> new MmsearchException(ErrorCode.NOT_READY, "no inference node reachable for " + what
                    + " at " + addresses + " (" + description + "); start an inference node "
                    + "(serve --role inference) or fix the configured inference addresses", e);
            case DEADLINE_EXCEEDED -> new MmsearchException(ErrorCode.NOT_READY, "inference nodes " + addresses
                    + " did not answer " + what + " within the deadline (" + description
                    + "); they may be overloaded: add nodes or raise the deadline", e);
            case NOT_FOUND -> new MmsearchException(ErrorCode.NOT_FOUND, description, e);
            case INVALID_ARGUMENT, OUT_OF_RANGE -> new MmsearchException(ErrorCode.INVALID_ARGUMENT, description, e);
            case RESOURCE_EXHAUSTED -> new MmsearchException(ErrorCode.PAYLOAD_TOO_LARGE, what + " is too large for "
                    + "the gRPC message limit: " + description, e);
            default -> new MmsearchException(ErrorCode.INTERNAL, what + " failed on an inference node: "
                    + status.getCode() + " " + description, e);
        };
    }
}
