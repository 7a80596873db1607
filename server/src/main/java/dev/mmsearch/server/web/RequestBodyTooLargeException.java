package dev.mmsearch.server.web;

import java.io.IOException;

/** Thrown while reading a request body that turns out longer than the limit (bodies sent without a length). */
public final class RequestBodyTooLargeException extends IOException {
    private final long limit;

    public RequestBodyTooLargeException(long limit) {
        super("request body is larger than the limit of " + limit + " bytes");
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }
}
