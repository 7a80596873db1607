package dev.mmsearch.server;

import dev.mmsearch.server.service.SearchService;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.Json;
import dev.mmsearch.server.experiments.ExperimentSettings;
import dev.mmsearch.server.security.SecurityHeadersFilter;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * The API gate over real HTTP against the real app (empty data dirs: no model is needed to test the gate):
 * API keys made by the real {@code mmsearch keys add}, 401/403 on admin endpoints, protected reads, per-client
 * rate limits (429 + Retry-After), body and JSON nesting limits, security headers on every response.
 */
class SecurityIT {
    static final HttpClient http = HttpClient.newHttpClient();
    static final String REINDEX = "/api/v1/collections/docs/reindex";
    static final String REINDEX_BODY = "{\"model\": \"all-MiniLM-L6-v2-q\"}";

    @TempDir
    static Path dir;
    static final List<ConfigurableApplicationContext> apps = new ArrayList<>();
    static Path keyFile;
    static String opsKey;
    /** Keys in a file, reads open, no rate limit. */
    static String keyed;
    /** No key file: admin endpoints closed. */
    static String closed;
    /** No key file, open-admin=true. */
    static String openAdmin;
    /** Keys, protect-reads, 0.1 request/s with burst 3. */
    static String limited;
    static String limitedKeyA;
    static String limitedKeyB;

    @BeforeAll
    static void start() throws Exception {
        keyFile = dir.resolve("keys/api-keys");
        Cli.Result added = Cli.run("keys", "add", "ops", "--file", keyFile.toString());
        assertThat(added.exitCode()).as(added.err()).isZero();
        opsKey = added.out().strip();
        assertThat(opsKey).startsWith("mms_");
        assertThat(Files.readString(keyFile)).doesNotContain(opsKey).startsWith("ops:");
        assertThat(added.err()).contains("not shown again");

        keyed = start("keyed", Map.of("mmsearch.security.api-keys-file", keyFile.toString(),
                "mmsearch.security.rate-limit.per-second", "0"));
        closed = start("closed", Map.of("mmsearch.security.rate-limit.per-second", "0"));
        openAdmin = start("open", Map.of("mmsearch.security.open-admin", "true"));

        Path data = dir.resolve("limited");
        limitedKeyA = Cli.run("keys", "add", "a", "--data-dir", data.toString()).out().strip();
        limitedKeyB = Cli.run("keys", "add", "b", "--data-dir", data.toString()).out().strip();
        assertThat(data.resolve("api-keys")).exists(); // the default file, which the service finds by itself
        limited = start("limited", Map.of("mmsearch.security.protect-reads", "true",
                "mmsearch.security.rate-limit.per-second", "0.1", "mmsearch.security.rate-limit.burst", "3"));
    }

    static String start(String name, Map<String, String> properties) throws Exception {
        Path data = dir.resolve(name);
        Files.createDirectories(data);
        ConfigurableApplicationContext app = SearchService.start(new DataDirectory(data), 0, new EngineOptions(1, 8),
                ExperimentSettings.DEFAULTS, properties);
        apps.add(app);
        return "http://127.0.0.1:" + SearchService.port(app);
    }

    @AfterAll
    static void stop() {
        apps.forEach(ConfigurableApplicationContext::close);
    }

    static HttpResponse<String> send(String base, String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode assertError(HttpResponse<String> r, int status, String code) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/json");
        JsonNode body = Json.MAPPER.readTree(r.body());
        assertThat(body.get("code").asString()).isEqualTo(code);
        assertThat(body.get("message").asString()).isNotBlank();
        return body;
    }

    @Test
    void adminEndpointNeedsAValidKeyInEitherHeader() throws Exception {
        HttpResponse<String> none = send(keyed, "POST", REINDEX, REINDEX_BODY);
        assertError(none, 401, "unauthorized");
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"mmsearch\"");
        assertError(send(keyed, "POST", REINDEX, REINDEX_BODY, "Authorization", "Bearer " + opsKey + "x"), 401, "unauthorized");
        assertError(send(keyed, "POST", REINDEX, REINDEX_BODY, "Authorization", "Basic b3BzOnNlY3JldA=="), 401, "unauthorized");
        assertError(send(keyed, "POST", REINDEX, REINDEX_BODY, "X-API-Key", Files.readString(keyFile).strip().substring(4)),
                401, "unauthorized"); // the stored hash is no key
        // A valid key passes the gate: the controller answers (no such collection here).
        assertError(send(keyed, "POST", REINDEX, REINDEX_BODY, "Authorization", "Bearer " + opsKey), 404, "collection_not_found");
        assertError(send(keyed, "POST", REINDEX, REINDEX_BODY, "X-API-Key", opsKey), 404, "collection_not_found");
        // Any other write, mapped or not, is admin too; path tricks get the stricter rule.
        assertError(send(keyed, "DELETE", "/api/v1/collections/docs", null), 401, "unauthorized");
        assertError(send(keyed, "PUT", "/api/v1/experiments", "{}"), 401, "unauthorized");
        assertError(send(keyed, "POST", "/api/v1/collections/docs/search/../reindex", REINDEX_BODY), 401, "unauthorized");
        // With the key, a mapped write reaches its controller (no such collection here) and an unmapped one is 405.
        assertError(send(keyed, "DELETE", "/api/v1/collections/docs", null, "X-API-Key", opsKey), 404,
                "collection_not_found");
        assertError(send(keyed, "PUT", "/api/v1/experiments", "{}", "X-API-Key", opsKey), 405, "method_not_allowed");
    }

    @Test
    void readsAndFeedbackAreOpenByDefault() throws Exception {
        HttpResponse<String> list = send(keyed, "GET", "/api/v1/collections", null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).isEqualTo("[]");
        assertError(send(keyed, "POST", "/api/v1/collections/docs/search", "{\"query\": \"x\"}"), 404, "collection_not_found");
        assertError(send(keyed, "POST", "/api/v1/feedback", "{\"queryId\": \"q\", \"docId\": \"d\", \"position\": 1}"),
                404, "not_found");
        assertThat(send(keyed, "GET", "/api/v1/experiments", null).statusCode()).isEqualTo(200);
    }

    @Test
    void keysAddedOrRemovedWhileRunningTakeEffectAtOnce() throws Exception {
        Cli.Result added = Cli.run("keys", "add", "late", "--file", keyFile.toString());
        assertThat(added.exitCode()).as(added.err()).isZero();
        String late = added.out().strip();
        assertError(send(keyed, "POST", REINDEX, REINDEX_BODY, "X-API-Key", late), 404, "collection_not_found");
        assertThat(Cli.run("keys", "list", "--file", keyFile.toString()).out().lines().toList()).contains("ops", "late");
        assertThat(Cli.run("keys", "add", "late", "--file", keyFile.toString()).exitCode()).isEqualTo(1);
        assertThat(Cli.run("keys", "remove", "late", "--file", keyFile.toString()).exitCode()).isZero();
        assertThat(Cli.run("keys", "remove", "late", "--file", keyFile.toString()).exitCode()).isEqualTo(1);
        assertError(send(keyed, "POST", REINDEX, REINDEX_BODY, "X-API-Key", late), 401, "unauthorized");
        assertError(send(keyed, "POST", REINDEX, REINDEX_BODY, "X-API-Key", opsKey), 404, "collection_not_found");
    }

    @Test
    void withoutAKeyFileAdminIsClosedUnlessOpenAdmin() throws Exception {
        JsonNode body = assertError(send(closed, "POST", REINDEX, REINDEX_BODY), 403, "forbidden");
        assertThat(body.get("message").asString()).contains("mmsearch keys add").contains("api-keys");
        assertError(send(closed, "POST", REINDEX, REINDEX_BODY, "X-API-Key", opsKey), 403, "forbidden");
        assertThat(send(closed, "GET", "/api/v1/collections", null).statusCode()).isEqualTo(200);
        assertError(send(openAdmin, "POST", REINDEX, REINDEX_BODY), 404, "collection_not_found");
    }

    @Test
    void protectedReadsAndPerClientRateLimits() throws Exception {
        // Public: the UI files and the health probe (these take tokens from this IP's bucket: 2 of 3)
        assertThat(send(limited, "GET", "/actuator/health", null).statusCode()).isEqualTo(200);
        assertThat(send(limited, "GET", "/", null).statusCode()).isEqualTo(200);
        assertError(send(limited, "GET", "/api/v1/collections", null), 401, "unauthorized"); // 3 of 3
        HttpResponse<String> ipLimited = send(limited, "GET", "/api/v1/collections", null);
        assertError(ipLimited, 429, "rate_limited");
        // Each key has its own bucket of 3.
        for (int i = 0; i < 3; i++) {
            assertThat(send(limited, "GET", "/api/v1/collections", null, "X-API-Key", limitedKeyA).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> keyLimited = send(limited, "GET", "/api/v1/collections", null, "X-API-Key", limitedKeyA);
        assertError(keyLimited, 429, "rate_limited");
        long retryAfter = Long.parseLong(keyLimited.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 10L);
        HttpResponse<String> metrics = send(limited, "GET", "/actuator/prometheus", null, "Authorization", "Bearer " + limitedKeyB);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).containsPattern("mmsearch_security_rejections_total\\{[^}]*reason=\"rate_limited\"[^}]*} 2\\.0")
                .containsPattern("mmsearch_security_rejections_total\\{[^}]*reason=\"unauthorized\"[^}]*} 1\\.0");
    }

    @Test
    void bodyAndJsonLimits() throws Exception {
        String big = "{\"query\": \"" + "a".repeat(1_100_000) + "\"}";
        JsonNode sized = assertError(send(keyed, "POST", "/api/v1/collections/docs/search", big), 413, "payload_too_large");
        assertThat(sized.get("message").asString()).contains("1048576");
        // Without a Content-Length (chunked): cut off while reading
        HttpResponse<String> chunked = http.send(HttpRequest.newBuilder(URI.create(keyed + "/api/v1/collections/docs/search"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes()))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertError(chunked, 413, "payload_too_large");
        // Nesting deeper than 64 (Jackson's own default is 500): refused by the parser, before any of our code
        String deep = "{\"query\": \"x\", \"filter\": " + "[".repeat(100) + "]".repeat(100) + "}";
        JsonNode nested = assertError(send(keyed, "POST", "/api/v1/collections/docs/search", deep), 400, "bad_request");
        assertThat(nested.get("message").asString()).containsIgnoringCase("nesting depth");
        String deeper = "[".repeat(10_000);
        assertError(send(keyed, "POST", "/api/v1/collections/docs/search", deeper), 400, "bad_request");
        String longNumber = "{\"query\": \"x\", \"topK\": " + "9".repeat(500) + "}";
        assertError(send(keyed, "POST", "/api/v1/collections/docs/search", longNumber), 400, "bad_request");
    }

    @Test
    void securityHeadersOnEveryResponseAndNoInternalsInErrors() throws Exception {
        List<HttpResponse<String>> responses = List.of(
                send(keyed, "GET", "/", null), send(keyed, "GET", "/app.js", null),
                send(keyed, "GET", "/api/v1/collections", null), send(keyed, "GET", "/nothing-here", null),
                send(keyed, "POST", REINDEX, REINDEX_BODY), send(keyed, "GET", "/error", null),
                send(keyed, "POST", "/api/v1/collections/docs/search", "{\"query\": "),
                send(keyed, "GET", "/actuator/health", null));
        for (HttpResponse<String> r : responses) {
            String what = r.request().method() + " " + r.uri() + " -> " + r.statusCode();
            assertThat(r.headers().firstValue("Content-Security-Policy")).as(what).hasValue(SecurityHeadersFilter.CSP);
            assertThat(SecurityHeadersFilter.CSP).contains("script-src 'self'").doesNotContain("unsafe-inline");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).as(what).hasValue("nosniff");
            assertThat(r.headers().firstValue("Referrer-Policy")).as(what).hasValue("no-referrer");
            assertThat(r.headers().firstValue("X-Frame-Options")).as(what).hasValue("DENY");
            assertThat(r.headers().firstValue("Server")).as(what).isEmpty();
            assertThat(r.body()).as(what).doesNotContain("Tomcat").doesNotContain("\tat ").doesNotContain("Exception")
                    .doesNotContain("tools.jackson");
        }
        assertError(responses.get(3), 404, "not_found");
        // Refused by Tomcat itself, before any filter (encoded slash): still JSON, still the headers, no server name
        HttpResponse<String> connector = send(keyed, "GET", "/api/v1/collections/..%2f..%2fetc", null);
        assertError(connector, 400, "bad_request");
        assertThat(connector.headers().firstValue("Content-Security-Policy")).hasValue(SecurityHeadersFilter.CSP);
        assertThat(connector.body()).doesNotContain("Tomcat").doesNotContain("<html");
        assertError(responses.get(5), 404, "not_found");
    }
}
