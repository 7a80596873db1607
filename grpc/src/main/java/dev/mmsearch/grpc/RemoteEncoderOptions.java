package dev.mmsearch.grpc;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a search node reaches its inference nodes.
 *
 * @param addresses       inference nodes as {@code host:port}; calls are spread over them round-robin
 * @param deadline        deadline of every encode call, retries included
 * @param adminDeadline   deadline of calls that may load a model (first use of a model, LoadModel)
 * @param maxAttempts     attempts per call (first try + retries) when a node answers UNAVAILABLE or
 *                        cannot be reached; every call is idempotent, so a retry goes to the next node
 * @param maxMessageBytes largest message sent or received
 */
public record RemoteEncoderOptions(List<String> addresses, Duration deadline, Duration adminDeadline, int maxAttempts,
                                   int maxMessageBytes) {

    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(2);
    public static final Duration DEFAULT_ADMIN_DEADLINE = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_ATTEMPTS = 4;

    public RemoteEncoderOptions {
        Objects.requireNonNull(deadline, "deadline");
        Objects.requireNonNull(adminDeadline, "adminDeadline");
        if (addresses == null || addresses.isEmpty()) {
            throw invalid("at least one inference address (host:port) is needed");
        }
        addresses = List.copyOf(addresses);
        for (String address : addresses) {
            int colon = address == null ? -1 : address.lastIndexOf(':');
            if (colon <= 0 || !address.substring(colon + 1).matches("\\d{1,5}")
                    || Integer.parseInt(address.substring(colon + 1)) > 65_535 || address.contains(",")) {
                throw invalid("inference address '" + address + "' is not host:port (e.g. inference-1:9090)");
            }
        }
        if (deadline.isZero() || deadline.isNegative() || adminDeadline.isZero() || adminDeadline.isNegative()) {
            throw invalid("deadlines must be positive, got " + deadline + " and " + adminDeadline);
        }
        if (maxAttempts < 1 || maxAttempts > 5) {
            throw invalid("maxAttempts must be 1..5 (gRPC caps retries at 5), got " + maxAttempts);
        }
        if (maxMessageBytes < 1 << 20) {
            throw invalid("maxMessageBytes must be at least 1 MiB, got " + maxMessageBytes);
        }
    }

    /** These addresses, a 2 s deadline (60 s for model loading), 4 attempts, 64 MiB messages. */
    public static RemoteEncoderOptions of(List<String> addresses) {
        return new RemoteEncoderOptions(addresses, DEFAULT_DEADLINE, DEFAULT_ADMIN_DEADLINE, DEFAULT_MAX_ATTEMPTS,
                InferenceServerOptions.DEFAULT_MAX_MESSAGE_BYTES);
    }

    public RemoteEncoderOptions withDeadline(Duration newDeadline) {
        return new RemoteEncoderOptions(addresses, newDeadline, adminDeadline, maxAttempts, maxMessageBytes);
    }

    public RemoteEncoderOptions withMaxAttempts(int newMaxAttempts) {
        return new RemoteEncoderOptions(addresses, deadline, adminDeadline, newMaxAttempts, maxMessageBytes);
    }

    private static MmsearchException invalid(String message) {
        return new MmsearchException(ErrorCode.INVALID_ARGUMENT, "remote encoder option: " + message);
    }
}
