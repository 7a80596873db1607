package dev.mmsearch.client;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A client of one mmsearch server's REST API (the spec: {@code /v3/api-docs}, {@code docs/openapi.json}). Immutable
 * and thread-safe; build one with {@link #builder(String)} and share it.
 *
 * <p>Every call has a timeout. A call the server answers with 429, 502, 503 or 504 (rate limited, overloaded, not
 * ready, a proxy in between), or that does not reach it, is sent again up to {@code maxRetries} times: after the
 * answer's {@code Retry-After} seconds when it has one (up to a minute), else after an exponential backoff from
 * {@code initialBackoff}, capped at {@code maxBackoff}. Writes are safe to repeat (upserts by id). Any other failure is a {@link MmsearchClientException}
 * with the status, the API's error code and its message.
 */
public final class MmsearchClient {
    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private final URI base;
    private final String apiKey;
    private final Duration timeout;
    private final int maxRetries;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final HttpClient http;
    private final RetryListener onRetry;

    /** What a client tells before it retries a call. */
    @FunctionalInterface
    public interface RetryListener {
        void retrying(String method, String path, int attempt, Duration wait, String cause);
    }

    /** An answer as it came: status, headers and body. */
    public record RawResponse(int status, java.net.http.HttpHeaders headers, byte[] body) {
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** Statuses a call is sent again for: rate limited, bad gateway, unavailable, gateway timeout. */
    static boolean transientStatus(int status) {
        return status == 429 || status == 502 || status == 503 || status == 504;
    }

    /** Longest {@code Retry-After} honoured, in seconds. */
    static final long MAX_RETRY_AFTER_SECONDS = 60;
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(MAX_RETRY_AFTER_SECONDS);

    private MmsearchClient(Builder b) {
        this.base = URI.create(b.url.replaceAll("/+$", ""));
        this.apiKey = b.apiKey;
        this.timeout = b.timeout;
        this.maxRetries = b.maxRetries;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.http = HttpClient.newBuilder().connectTimeout(b.connectTimeout).build();
        this.onRetry = b.onRetry;
    }

    /** A builder for the server at {@code url}, e.g. {@code http://127.0.0.1:8080}. */
    public static Builder builder(String url) {
        return new Builder(url);
    }

    /** How a client talks to its server. */
    public static final class Builder {
        private final String url;
        private String apiKey;
        private Duration timeout = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private int maxRetries = 3;
        private Duration initialBackoff = Duration.ofMillis(200);
        private Duration maxBackoff = Duration.ofSeconds(10);
        private RetryListener onRetry = (method, path, attempt, wait, cause) -> { };

        private Builder(String url) {
            this.url = Objects.requireNonNull(url, "url");
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new IllegalArgumentException("server url must start with http:// or https://, got " + url);
            }
        }

        /** The API key writes need (sent as {@code Authorization: Bearer KEY}); null for none. */
        public Builder apiKey(String key) {
            this.apiKey = key;
            return this;
        }

        /** The longest a call may take once connected (default 30 s). */
        public Builder timeout(Duration value) {
            this.timeout = Objects.requireNonNull(value, "timeout");
            return this;
        }

        public Builder connectTimeout(Duration value) {
            this.connectTimeout = Objects.requireNonNull(value, "connectTimeout");
            return this;
        }

        /** Retries of a call answered 429/503 or not reached (default 3; 0 = none). */
        public Builder maxRetries(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("maxRetries must be 0 or more, got " + value);
            }
            this.maxRetries = value;
            return this;
        }

        /** The first backoff (doubled each retry) and its cap, used when the answer has no Retry-After. */
        public Builder backoff(Duration initial, Duration max) {
            this.initialBackoff = Objects.requireNonNull(initial, "initial");
            this.maxBackoff = Objects.requireNonNull(max, "max");
            return this;
        }

        /** Told before each retry (for logs): the call, the attempt that failed (1-based), the wait and why. */
        public Builder onRetry(RetryListener listener) {
            this.onRetry = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public MmsearchClient build() {
            return new MmsearchClient(this);
        }
    }

    // ---- search

    public Types.SearchResponse search(String collection, Types.SearchRequest request) {
        return read(send("POST", collectionPath(collection, "/search"), json(request), "application/json"),
                Types.SearchResponse.class);
    }

    // ---- collections

    public List<Types.CollectionInfo> collections() {
        JsonNode list = tree(send("GET", "/api/v1/collections", null, null));
        List<Types.CollectionInfo> out = new ArrayList<>();
        list.forEach(node -> out.add(JSON.treeToValue(node, Types.CollectionInfo.class)));
        return out;
    }

    /** The collection {@code name}, or empty when there is none. */
    public Optional<Types.CollectionInfo> collection(String name) {
        try {
            return Optional.of(read(send("GET", collectionPath(name, ""), null, null), Types.CollectionInfo.class));
        } catch (MmsearchClientException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Creates collection {@code name} (an existing one with the same schema is returned as it is). */
    public Types.CollectionInfo createCollection(String name, Types.CollectionSpec spec) {
        return read(send("PUT", collectionPath(name, ""), json(spec), "application/json"), Types.CollectionInfo.class);
    }

    public void deleteCollection(String name) {
        send("DELETE", collectionPath(name, ""), null, null);
    }

    // ---- documents

    /**
     * Adds or replaces documents (each a map with {@code "id"} and its fields), durably: the answer comes once they
     * are committed. A bad document fails alone ({@link Types.BulkItem#failed()}).
     */
    public Types.BulkResult upsert(String collection, List<Map<String, Object>> documents) {
        StringBuilder body = new StringBuilder();
        for (Map<String, Object> document : documents) {
            body.append(json(document)).append('\n');
        }
        return read(send("POST", collectionPath(collection, "/documents"), body.toString(), "application/x-ndjson"),
                Types.BulkResult.class);
    }

    /** The stored document {@code id} with its version, or empty when there is none. */
    public Optional<Types.StoredDocument> document(String collection, String id) {
        try {
            RawResponse response = send("GET", collectionPath(collection, "/documents/" + encode(id)), null, null);
            return Optional.of(read(response, Types.StoredDocument.class)
                    .withVersion(response.headers().firstValue("ETag").orElse(null)));
        } catch (MmsearchClientException e) {
            if (e.status() == 404 && !"collection_not_found".equals(e.code())) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Deletes document {@code id}, durably; false when there was none (the server answers {@code not_found}). */
    public boolean deleteDocument(String collection, String id) {
        JsonNode answer = tree(send("DELETE", collectionPath(collection, "/documents/" + encode(id)), null, null));
        return "deleted".equals(answer.path("result").asString());
    }

    // ---- transport

    private static String collectionPath(String collection, String rest) {
        return "/api/v1/collections/" + encode(Objects.requireNonNull(collection, "collection")) + rest;
    }

    private static String encode(String part) {
        return URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String json(Object value) {
        return JSON.writeValueAsString(value);
    }

    private static <T> T read(RawResponse response, Class<T> type) {
        try {
            return JSON.readValue(response.body(), type);
        } catch (JacksonException e) {
            throw new MmsearchClientException(response.status(), null, "the server's answer is not the expected"
                    + " JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static JsonNode tree(RawResponse response) {
        return JSON.readTree(response.body());
    }

    /** Sends one call through {@link #exchange}; a non-2xx answer is thrown as a {@link MmsearchClientException}. */
    RawResponse send(String method, String path, String body, String contentType) {
        RawResponse raw = exchange(method, path, contentType, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        if (raw.status() / 100 != 2) {
            throw error(method, path, raw.status(), raw.bodyText());
        }
        return raw;
    }

    /**
     * Sends one call, with this client's retries of 429, 502, 503 and 504 answers and of servers not reached (after
     * {@code Retry-After} when the answer has it, up to {@value #MAX_RETRY_AFTER_SECONDS} s, else the backoff), and
     * returns the last answer whatever its status: the building block of the typed calls, for callers that read
     * statuses themselves (the CLI's {@code --server} mode).
     *
     * @param body the body, or null for none; {@code contentType} is ignored without one
     * @throws MmsearchClientException status 0 when no try reached the server (the message names the last cause)
     */
    public RawResponse exchange(String method, String path, String contentType, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Accept", "application/json");
        if (body != null && contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        HttpRequest built = request.build();
        Duration backoff = initialBackoff;
        for (int attempt = 1; ; attempt++) {
            String cause;
            Duration wait = backoff;
            try {
                HttpResponse<byte[]> response = http.send(built, HttpResponse.BodyHandlers.ofByteArray());
                if (!transientStatus(response.statusCode()) || attempt > maxRetries) {
                    return new RawResponse(response.statusCode(), response.headers(), response.body());
                }
                cause = "HTTP " + response.statusCode();
                Optional<Duration> after = retryAfter(response);
                if (after.isPresent() && !after.get().isZero()) {
                    wait = after.get().compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : after.get();
                }
            } catch (IOException e) {
                cause = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                if (attempt > maxRetries) {
                    throw new MmsearchClientException(0, null, method + " " + path + " did not reach " + base
                            + " in " + attempt + " tries, last: " + cause, e, cause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MmsearchClientException(0, null, "interrupted while calling " + base, e);
            }
            onRetry.retrying(method, path, attempt, wait, cause);
            sleep(wait);
            backoff = next(backoff);
        }
    }

    private Duration next(Duration backoff) {
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(maxBackoff) > 0 ? maxBackoff : doubled;
    }

    /** The answer's {@code Retry-After} in seconds (the API sends seconds, never a date). */
    static Optional<Duration> retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").flatMap(value -> {
            try {
                return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(value.strip()))));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    private static MmsearchClientException error(String method, String path, int status, String text) {
        String code = null;
        String message = text;
        try {
            JsonNode node = JSON.readTree(text);
            if (node != null && node.isObject()) {
                code = node.path("code").isString() ? node.get("code").asString() : null;
                message = node.path("message").isString() ? node.get("message").asString() : message;
            }
        } catch (JacksonException e) {
            // not JSON: keep the body as the message
        }
        return new MmsearchClientException(status, code, method + " " + path + ": "
                + status + (code == null ? "" : " " + code) + ": " + message, null);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MmsearchClientException(0, null, "interrupted while waiting to retry", e);
        }
    }
}
