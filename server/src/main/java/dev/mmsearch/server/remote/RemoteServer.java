package dev.mmsearch.server.remote;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * A running mmsearch server's REST API, as the command line's {@code --server} reaches it (through the Java client,
 * {@link dev.mmsearch.client.MmsearchClient#exchange}). Every
 * request carries the API key when one is given ({@code Authorization: Bearer}). Transient failures are retried with
 * exponential backoff: a connection refused or reset, a timeout, 429 (honouring {@code Retry-After}), 502, 503 and
 * 504; resending is safe because every write the CLI sends is an upsert or a delete by id. 401 and 403 fail at once,
 * naming {@code --api-key} and {@code MMSEARCH_API_KEY}. Thread-safe.
 */
public final class RemoteServer {
    /** Environment variable read when {@code --api-key} is not given. */
    public static final String API_KEY_ENV = "MMSEARCH_API_KEY";
    private static final Logger log = LoggerFactory.getLogger(RemoteServer.class);

    /**
     * An answer: its status and its JSON body ({@code null} when it has none or it is not JSON).
     */
    public record Response(int status, JsonNode body) {
        public boolean ok() {
            return status / 100 == 2;
        }

        /** The server's error message, or a generic one naming the status. */
        String message() {
            JsonNode message = body == null ? null : body.get("message");
            return message != null && message.isString() ? message.asString() : "HTTP " + status;
        }

        String code() {
            JsonNode code = body == null ? null : body.get("code");
            return code != null && code.isString() ? code.asString() : null;
        }
    }

    /**
     * How transient failures are retried.
     *
     * @param attempts    tries per request, the first included
     * @param firstWait   wait before the second try; doubled for each next one
     * @param longestWait longest wait between two tries
     */
    public record Retries(int attempts, Duration firstWait, Duration longestWait) {
        public static final Retries DEFAULT = new Retries(8, Duration.ofMillis(250), Duration.ofSeconds(10));

        public Retries {
            if (attempts < 1) {
                throw new IllegalArgumentException("attempts must be positive, got " + attempts);
            }
        }
    }

    private final URI base;
    private final Retries retries;
    private final boolean hasKey;
    private final dev.mmsearch.client.MmsearchClient client;

    /**
     * @param url    the server, {@code http(s)://host:port} (a path prefix is kept)
     * @param apiKey admin API key, or null/blank for none
     * @throws MmsearchException INVALID_ARGUMENT for a URL that is not http(s)://host[:port]
     */
    public RemoteServer(String url, String apiKey, Retries retries) {
        this.base = parse(url);
        this.retries = Objects.requireNonNull(retries, "retries");
        this.hasKey = apiKey != null && !apiKey.isBlank();
        // The transport, its retries and Retry-After are the Java client's (module client); this class keeps the
        // CLI's wording of refusals and outages.
        this.client = dev.mmsearch.client.MmsearchClient.builder(base.toString())
                .apiKey(apiKey == null || apiKey.isBlank() ? null : apiKey.strip())
                .timeout(Duration.ofMinutes(5)).connectTimeout(Duration.ofSeconds(10))
                .maxRetries(retries.attempts() - 1).backoff(retries.firstWait(), retries.longestWait())
                .onRetry((method, path, attempt, wait, cause) -> log.info("retrying request method={} path={}"
                        + " attempt={} waitMs={} cause={}", method, path, attempt, wait.toMillis(), cause))
                .build();
    }

    private static URI parse(String url) {
        try {
            URI uri = new URI(Objects.requireNonNull(url, "url").strip().replaceAll("/+$", ""));
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new URISyntaxException(url, "not http(s)://host:port");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "--server '" + url + "' is not a server URL; give"
                    + " it as http://host:port, e.g. http://127.0.0.1:8080");
        }
    }

    /** The server's URL as given (no trailing slash). */
    public String url() {
        return base.toString();
    }

    /** {@code /api/v1/collections/NAME} plus {@code rest}, the name encoded as a path segment. */
    public static String collectionPath(String collection, String rest) {
        return "/api/v1/collections/" + segment(collection) + rest;
    }

    /** {@code value} encoded as one URL path segment. */
    public static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Sends one request, retrying transient failures; any other answer is returned, whatever its status.
     *
     * @param body        the body, or null for none
     * @param contentType its type (ignored without a body)
     * @throws MmsearchException INVALID_ARGUMENT for 401/403 (the message names --api-key and MMSEARCH_API_KEY);
     *                           NOT_READY when the server cannot be reached or stays unavailable after every try
     */
    public Response send(String method, String path, String contentType, byte[] body) {
        dev.mmsearch.client.MmsearchClient.RawResponse answer;
        try {
            answer = client.exchange(method, path, contentType, body);
        } catch (dev.mmsearch.client.MmsearchClientException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new MmsearchException(ErrorCode.NOT_READY, "interrupted while sending to the mmsearch server at "
                        + url(), e);
            }
            throw unreachable(method, path, e.lastFailure() != null ? e.lastFailure() : e.getMessage());
        }
        Response response = new Response(answer.status(), json(answer.body()));
        if (response.status() == 401 || response.status() == 403) {
            throw refused(response);
        }
        if (response.status() == 429 || response.status() == 502 || response.status() == 503
                || response.status() == 504) {
            throw unreachable(method, path, "HTTP " + response.status() + " (" + response.message() + ")");
        }
        return response;
    }

    private MmsearchException unreachable(String method, String path, String last) {
        return new MmsearchException(ErrorCode.NOT_READY, "cannot reach the mmsearch server at " + url() + " ("
                + method + " " + path + " failed " + retries.attempts() + " times, last: " + last + "); check that it"
                + " runs and that --server names it");
    }

    /** Sends a request and returns its JSON answer; any status but 2xx is an error carrying the server's message. */
    public JsonNode call(String method, String path, String contentType, byte[] body) {
        Response response = send(method, path, contentType, body);
        if (!response.ok()) {
            throw error(response, method + " " + path);
        }
        return response.body();
    }

    /** The server's error as an exception: its code when it is one of ours, its message, and which server said it. */
    public MmsearchException error(Response response, String what) {
        ErrorCode code = ErrorCode.INTERNAL;
        for (ErrorCode candidate : ErrorCode.values()) {
            if (candidate.code().equals(response.code())) {
                code = candidate;
            }
        }
        if (code == ErrorCode.INTERNAL && response.status() / 100 == 4) {
            code = ErrorCode.INVALID_ARGUMENT;
        }
        return new MmsearchException(code, "the mmsearch server at " + url() + " answered " + what + " with "
                + response.status() + ": " + response.message());
    }

    private MmsearchException refused(Response response) {
        String hint = !hasKey
                ? "give an admin API key with --api-key KEY or the environment variable " + API_KEY_ENV
                : "the key given with --api-key or " + API_KEY_ENV + " is not an admin key of this server";
        return new MmsearchException(ErrorCode.INVALID_ARGUMENT, "the mmsearch server at " + url() + " refused the"
                + " request (" + response.status() + " " + response.code() + ": " + response.message() + "); " + hint
                + " (`mmsearch keys add NAME --data-dir DIR` on the server's data directory creates one)");
    }

    private static JsonNode json(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(body);
        } catch (JacksonException e) {
            return null;
        }
    }

}
