package dev.mmsearch.store.opensearch;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.hc.core5.http.HttpHost;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.generic.Body;
import org.opensearch.client.opensearch.generic.OpenSearchGenericClient;
import org.opensearch.client.opensearch.generic.Request;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.opensearch.generic.Response;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5Transport;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * JSON over HTTP to the cluster through opensearch-java's generic client (Apache HttpClient 5 transport, which
 * spreads requests over the hosts and skips dead ones). Request and response bodies are Jackson trees of
 * mmsearch's own {@link Json#MAPPER}: the store speaks the REST API directly rather than through the typed
 * client, so the JSON it sends is exactly what the OpenSearch documentation shows (and what the tests check).
 *
 * <p>Retries with exponential backoff ({@link OpenSearchStoreOptions#backoff}) when the cluster answers 429 or
 * 502/503/504 or cannot be reached; other answers are returned to the caller as they are.
 */
final class OpenSearchHttp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OpenSearchHttp.class);
    private static final Set<Integer> RETRYABLE = Set.of(429, 502, 503, 504);

    /** A response: HTTP status and the parsed JSON body (a missing node when there was none). */
    record Reply(int status, JsonNode body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        /** The error type OpenSearch reports ({@code error.type}), or "" when none. */
        String errorType() {
            return body.path("error").path("type").asString("");
        }

        String describe() {
            JsonNode error = body.path("error");
            if (error.isString()) {
                return "HTTP " + status + " " + error.asString();
            }
            JsonNode reason = error.path("reason");
            return "HTTP " + status + (reason.isMissingNode() ? "" : " " + errorType() + ": " + reason.asString(""));
        }
    }

    private final OpenSearchStoreOptions options;
    private final ApacheHttpClient5Transport transport;
    private final OpenSearchGenericClient client;
    private final java.util.concurrent.atomic.AtomicLong retries = new java.util.concurrent.atomic.AtomicLong();

    OpenSearchHttp(OpenSearchStoreOptions options) {
        this.options = options;
        HttpHost[] hosts = new HttpHost[options.hosts().size()];
        for (int i = 0; i < hosts.length; i++) {
            try {
                hosts[i] = HttpHost.create(options.hosts().get(i));
            } catch (URISyntaxException e) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "OpenSearch host '" + options.hosts().get(i)
                        + "' is not a URL: " + e.getMessage(), e);
            }
        }
        this.transport = ApacheHttpClient5TransportBuilder.builder(hosts).setMapper(new JacksonJsonpMapper()).build();
        this.client = new OpenSearchClient(transport).generic();
    }

    /** A JSON request, retried on 429/5xx/unreachable up to the configured retries. */
    Reply call(String method, String path, Map<String, String> query, JsonNode body) {
        byte[] bytes = body == null ? null : Json.MAPPER.writeValueAsBytes(body);
        return call(method, path, query, bytes, "application/json");
    }

    /** A request with a raw body (e.g. NDJSON for {@code _bulk}), retried like {@link #call(String, String, Map, JsonNode)}. */
    Reply call(String method, String path, Map<String, String> query, byte[] body, String contentType) {
        for (int attempt = 0; ; attempt++) {
            Reply reply;
            try {
                reply = once(method, path, query, body, contentType);
                if (!RETRYABLE.contains(reply.status()) || attempt >= options.maxRetries()) {
                    return reply;
                }
                log.warn("opensearch answered {} {} with {}; retry {} of {}", method, path, reply.describe(),
                        attempt + 1, options.maxRetries());
            } catch (IOException e) {
                if (attempt >= options.maxRetries()) {
                    throw new MmsearchException(ErrorCode.NOT_READY, "OpenSearch at " + options.hosts()
                            + " cannot be reached (" + e + ") after " + (attempt + 1) + " tries; check that the"
                            + " cluster is up and the hosts are right", e);
                }
                log.warn("opensearch {} {} failed: {}; retry {} of {}", method, path, e.toString(), attempt + 1,
                        options.maxRetries());
            }
            retries.incrementAndGet();
            sleep(options.backoff(attempt + 1).toMillis());
        }
    }

    /** Counts a retry made by a caller (e.g. bulk items sent again). */
    void countRetry() {
        retries.incrementAndGet();
    }

    /** Requests (and bulk rounds) retried so far because of 429/5xx or an unreachable cluster. */
    long retries() {
        return retries.get();
    }

    private Reply once(String method, String path, Map<String, String> query, byte[] body, String contentType)
            throws IOException {
        Requests.JsonBodyBuilder builder = Requests.builder().method(method).endpoint(path);
        if (query != null && !query.isEmpty()) {
            builder.query(query);
        }
        if (body != null) {
            builder.body(Body.from(body, contentType));
        }
        Request request = builder.build();
        try (Response response = client.execute(request)) {
            Optional<Body> responseBody = response.getBody();
            JsonNode json = Json.MAPPER.missingNode();
            if (responseBody.isPresent()) {
                byte[] bytes = responseBody.get().bodyAsBytes();
                if (bytes.length > 0) {
                    try {
                        json = Json.MAPPER.readTree(bytes);
                    } catch (JacksonException e) {
                        json = Json.MAPPER.getNodeFactory().stringNode(new String(bytes, StandardCharsets.UTF_8));
                    }
                }
            }
            return new Reply(response.getStatus(), json);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MmsearchException(ErrorCode.NOT_READY, "interrupted while waiting to retry an OpenSearch"
                    + " request", e);
        }
    }

    OpenSearchStoreOptions options() {
        return options;
    }

    @Override
    public void close() {
        try {
            transport.close();
        } catch (IOException e) {
            log.warn("closing the OpenSearch transport failed: {}", e.toString());
        }
    }
}
