package dev.mmsearch.server;

import dev.mmsearch.server.service.SearchService;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.Json;
import dev.mmsearch.server.experiments.ExperimentSettings;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Sends well over 1,000 malformed or hostile requests (fixed seed) to the real app over a real collection and
 * model: random JSON, wrong types for every field, huge and overflowing numbers, deep nesting, 100 KB strings,
 * invalid UTF-8, NUL bytes, bogus multipart, wrong content types, unknown paths and methods, path traversal,
 * oversized bodies, header junk. Every answer must be a 4xx with a JSON {code, message} body, within a timeout;
 * afterwards the service is healthy and still finds the right document.
 */
class FuzzIT {
    private static final Logger log = LoggerFactory.getLogger(FuzzIT.class);
    static final String MODEL = "all-MiniLM-L6-v2-q";
    static final long SEED = 20261126L;
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final String SEARCH = "/api/v1/collections/docs/search";
    static final String[] FIELDS = {"query", "topK", "offset", "retriever", "model", "debug", "userId", "filter",
            "scene", "forceArms", "imageId", "image"};

    @TempDir
    static Path dataDir;
    static ConfigurableApplicationContext app;
    static String base;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        Path input = Path.of(FuzzIT.class.getResource("/docs/small.jsonl").toURI());
        Cli.Result indexed = Cli.run("index", "--data-dir", dataDir.toString(), "--collection", "docs",
                "--input", input.toString(), "--model", MODEL, "--keyword-fields", "topic", "--numeric-fields", "year",
                "--no-progress");
        assertThat(indexed.exitCode()).as(indexed.err()).isZero();
        // Rate limiting off: the point is what every endpoint does with bad input, not 429s.
        app = SearchService.start(new DataDirectory(dataDir), 0, new EngineOptions(1, 8), ExperimentSettings.DEFAULTS,
                Map.of("mmsearch.security.rate-limit.per-second", "0"));
        base = "http://127.0.0.1:" + SearchService.port(app);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    /** One hostile request. */
    record Probe(String kind, String method, String path, String contentType, byte[] body, Map<String, String> headers) {
        Probe(String kind, String method, String path, String contentType, byte[] body) {
            this(kind, method, path, contentType, body, Map.of());
        }

        Probe(String kind, String method, String path, String contentType, String body) {
            this(kind, method, path, contentType, body == null ? null : body.getBytes(StandardCharsets.UTF_8), Map.of());
        }
    }

    final Random random = new Random(SEED);

    @Test
    void hostileRequestsGetOnly4xxJsonErrorsAndTheServiceStaysHealthy() throws Exception {
        List<Probe> probes = new ArrayList<>();
        addRandomJson(probes, 200);
        addWrongTypes(probes);
        addNumbers(probes);
        addNesting(probes);
        addLongAndBrokenStrings(probes);
        addMultipart(probes, 120);
        addContentTypes(probes);
        addPathsAndMethods(probes, 200);
        addTraversal(probes);
        addOversized(probes);
        addHeaderJunk(probes, 80);
        assertThat(probes.size()).isGreaterThanOrEqualTo(1000);

        Map<Integer, Integer> byStatus = new TreeMap<>();
        Map<String, Integer> byCode = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        int valid = 0;
        long start = System.nanoTime();
        for (Probe probe : probes) {
            String what = probe.kind() + " " + probe.method() + " " + abbreviate(probe.path(), 120);
            HttpResponse<String> r;
            try {
                r = send(probe);
            } catch (java.net.http.HttpTimeoutException e) {
                failures.add(what + ": no answer within " + TIMEOUT);
                continue;
            } catch (java.io.IOException e) {
                failures.add(what + ": connection failed: " + e);
                continue;
            }
            byStatus.merge(r.statusCode(), 1, Integer::sum);
            if (validAfterAll(probe, r)) {
                valid++;
                continue;
            }
            if (r.statusCode() < 400 || r.statusCode() > 499) {
                failures.add(what + ": status " + r.statusCode() + " " + abbreviate(r.body(), 300));
                continue;
            }
            try {
                JsonNode body = Json.MAPPER.readTree(r.body());
                if (!body.path("code").isString() || !body.path("message").isString()
                        || body.get("message").asString().isBlank()) {
                    failures.add(what + ": " + r.statusCode() + " body without code/message: " + abbreviate(r.body(), 300));
                } else {
                    byCode.merge(body.get("code").asString(), 1, Integer::sum);
                    if (r.body().contains("\tat ") || r.body().contains("Tomcat")) {
                        failures.add(what + ": internals in the body: " + abbreviate(r.body(), 300));
                    }
                }
            } catch (RuntimeException e) {
                failures.add(what + ": " + r.statusCode() + " body is not JSON: " + abbreviate(r.body(), 300));
            }
        }
        log.info("fuzz requests={} seconds={} byStatus={} byCode={} validAfterAll={} failures={}", probes.size(),
                (System.nanoTime() - start) / 1_000_000_000L, byStatus, byCode, valid, failures.size());
        assertThat(probes.size() - valid).as("requests refused with a 4xx").isGreaterThanOrEqualTo(1000);
        assertThat(failures).as("requests answered otherwise than 4xx JSON {code, message}").isEmpty();

        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/health")).timeout(TIMEOUT)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(health.body()).get("status").asString()).isEqualTo("UP");
        HttpResponse<String> search = send(new Probe("sane", "POST", SEARCH, "application/json",
                "{\"query\": \"how do plants make sugar from light?\", \"topK\": 3, \"retriever\": \"dense\"}"));
        assertThat(search.statusCode()).as(search.body()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(search.body()).get("hits").get(0).get("id").asString()).isEqualTo("bio-1");
    }

    /**
     * A 2xx that is right: a search body that is valid after all (Jackson's lenient scalar coercion turns
     * {@code "query": 123} into "123" and {@code "topK": "10"} into 10; random text is a fine query), or a GET/OPTIONS
     * of an existing read endpoint (e.g. {@code /collections/docs;x=1}: Spring drops the matrix parameter). Never an
     * image, a thumbnail, a write, or anything else.
     */
    static boolean validAfterAll(Probe probe, HttpResponse<String> r) {
        if (r.statusCode() != 200) {
            return false;
        }
        if (probe.method().equals("POST") && probe.path().equals(SEARCH)) {
            return r.body().contains("\"hits\"");
        }
        if (probe.method().equals("OPTIONS")) {
            return r.body().isEmpty() && r.headers().firstValue("Allow").isPresent(); // the methods a path takes
        }
        return probe.method().equals("GET") && probe.path().startsWith("/api/v1/") && !probe.path().contains("/image")
                && !probe.path().contains("/thumbnail") && !r.body().contains("root:");
    }

    HttpResponse<String> send(Probe probe) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + probe.path())).timeout(TIMEOUT)
                .method(probe.method(), probe.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(probe.body()));
        if (probe.contentType() != null) {
            b.header("Content-Type", probe.contentType());
        }
        probe.headers().forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    // ------------------------------------------------------------------ generators

    void addRandomJson(List<Probe> probes, int count) {
        for (int i = 0; i < count; i++) {
            String path = switch (random.nextInt(4)) {
                case 0, 1 -> SEARCH;
                case 2 -> "/api/v1/feedback";
                default -> "/api/v1/collections/docs/reindex";
            };
            probes.add(new Probe("random-json", "POST", path, "application/json", randomJson(random.nextInt(5))));
        }
        // Random objects with the real field names
        for (int i = 0; i < count; i++) {
            StringBuilder sb = new StringBuilder("{");
            int n = 1 + random.nextInt(4);
            for (int f = 0; f < n; f++) {
                sb.append(f == 0 ? "" : ",").append('"').append(FIELDS[random.nextInt(FIELDS.length)]).append("\":")
                        .append(randomJson(random.nextInt(3)));
            }
            probes.add(new Probe("random-fields", "POST", SEARCH, "application/json", sb.append('}').toString()));
        }
    }

    String randomJson(int depth) {
        int pick = depth <= 0 ? random.nextInt(6) : random.nextInt(8);
        return switch (pick) {
            case 0 -> Integer.toString(random.nextInt());
            case 1 -> Double.toString(random.nextGaussian() * 1e6);
            case 2 -> random.nextBoolean() ? "true" : "false";
            case 3 -> "null";
            case 4 -> Json.MAPPER.writeValueAsString(randomText(random.nextInt(40)));
            case 5 -> Long.toString(random.nextLong());
            case 6 -> {
                StringBuilder sb = new StringBuilder("[");
                int n = random.nextInt(5);
                for (int i = 0; i < n; i++) {
                    sb.append(i == 0 ? "" : ",").append(randomJson(depth - 1));
                }
                yield sb.append(']').toString();
            }
            default -> {
                StringBuilder sb = new StringBuilder("{");
                int n = random.nextInt(5);
                for (int i = 0; i < n; i++) {
                    String key = random.nextInt(3) == 0 ? FIELDS[random.nextInt(FIELDS.length)] : randomText(8);
                    sb.append(i == 0 ? "" : ",").append(Json.MAPPER.writeValueAsString(key)).append(':')
                            .append(randomJson(depth - 1));
                }
                yield sb.append('}').toString();
            }
        };
    }

    String randomText(int length) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int kind = random.nextInt(10);
            sb.append(kind < 6 ? (char) ('a' + random.nextInt(26))
                    : kind < 8 ? (char) (0x20 + random.nextInt(95))
                    : kind < 9 ? (char) random.nextInt(0x20) : (char) (0x80 + random.nextInt(0xD000)));
        }
        return sb.toString();
    }

    void addWrongTypes(List<Probe> probes) {
        String[] wrong = {"123", "-1", "true", "[]", "[1,2]", "{}", "{\"a\":1}", "\"\"", "\"text\"", "1.5", "null",
                "9223372036854775808", "-9223372036854775809", "1e400", "\"\\u0000\""};
        for (String field : FIELDS) {
            for (String value : wrong) {
                String body = field.equals("query") ? "{\"query\":" + value + "}"
                        : "{\"query\":\"volcano\",\"" + field + "\":" + value + "}";
                probes.add(new Probe("wrong-type:" + field, "POST", SEARCH, "application/json", body));
            }
        }
        for (String value : wrong) {
            probes.add(new Probe("wrong-type:feedback", "POST", "/api/v1/feedback", "application/json",
                    "{\"queryId\":" + value + ",\"docId\":" + value + ",\"position\":" + value + "}"));
            probes.add(new Probe("wrong-type:reindex", "POST", "/api/v1/collections/docs/reindex", "application/json",
                    "{\"model\":" + value + ",\"vectorEncoding\":" + value + "}"));
        }
        // Filters of the wrong shape
        String[] filters = {"{\"term\":1}", "{\"term\":{\"topic\":[]}}", "{\"range\":{\"year\":{\"gt\":\"x\"}}}",
                "{\"range\":{\"year\":{\"gt\":1e999}}}", "{\"and\":{}}", "{\"or\":[1,2]}", "{\"not\":null}",
                "{\"and\":[{\"and\":[{\"term\":{\"nope\":\"x\"}}]}]}", "{\"term\":{\"topic\":\"bio\"},\"range\":{}}",
                "{\"range\":{\"year\":{\"gt\":2000,\"lt\":1000}}}", "{\"terms\":{\"topic\":[1,{}]}}", "[]", "\"term\"",
                "{\"\":{}}", "{\"term\":{\"\":\"\"}}"};
        for (String filter : filters) {
            probes.add(new Probe("bad-filter", "POST", SEARCH, "application/json",
                    "{\"query\":\"volcano\",\"filter\":" + filter + "}"));
        }
    }

    void addNumbers(List<Probe> probes) {
        String[] numbers = {"0", "-1", "-2147483648", "2147483647", "2147483648", "4294967296", "-0", "1e10", "1e308",
                "-1e308", "99999999999999999999999999999", "0.5", "1.0000000001", "1001", "10001", "NaN", "Infinity",
                "\"10\"", "0x10", "1_000", "+1", "01"};
        for (String topK : numbers) {
            probes.add(new Probe("numbers:topK", "POST", SEARCH, "application/json",
                    "{\"query\":\"volcano\",\"topK\":" + topK + "}"));
            probes.add(new Probe("numbers:offset", "POST", SEARCH, "application/json",
                    "{\"query\":\"volcano\",\"offset\":" + topK + ",\"topK\":10}"));
            probes.add(new Probe("numbers:both", "POST", SEARCH, "application/json",
                    "{\"query\":\"volcano\",\"offset\":2147483647,\"topK\":" + topK + "}"));
            probes.add(new Probe("numbers:position", "POST", "/api/v1/feedback", "application/json",
                    "{\"queryId\":\"q\",\"docId\":\"d\",\"position\":" + topK + "}"));
            probes.add(new Probe("numbers:multipart", "POST", SEARCH + "?topK=" + enc(topK) + "&offset=" + enc(topK),
                    "multipart/form-data; boundary=XyZ", multipart("XyZ", tinyPng(), Map.of("topK", topK))));
        }
    }

    void addNesting(List<Probe> probes) {
        for (int depth : new int[]{65, 100, 1000, 10_000, 100_000}) {
            probes.add(new Probe("nesting:array", "POST", SEARCH, "application/json", "[".repeat(depth)));
            probes.add(new Probe("nesting:closed", "POST", SEARCH, "application/json",
                    "{\"query\":\"x\",\"filter\":" + "[".repeat(depth) + "]".repeat(depth) + "}"));
            probes.add(new Probe("nesting:object", "POST", SEARCH, "application/json", "{\"a\":".repeat(depth)));
            probes.add(new Probe("nesting:and", "POST", SEARCH, "application/json",
                    "{\"query\":\"x\",\"filter\":" + "{\"and\":[".repeat(Math.min(depth, 20_000))
                            + "{\"term\":{\"topic\":\"bio\"}}" + "]}".repeat(Math.min(depth, 20_000)) + "}"));
            probes.add(new Probe("nesting:feedback", "POST", "/api/v1/feedback", "application/json", "{\"a\":[".repeat(depth)));
            probes.add(new Probe("nesting:form-filter", "POST", SEARCH, "multipart/form-data; boundary=b0",
                    multipart("b0", tinyPng(), Map.of("filter", "[".repeat(depth) + "]".repeat(depth)))));
        }
    }

    void addLongAndBrokenStrings(List<Probe> probes) {
        String longText = "x".repeat(100_000);
        for (String field : FIELDS) {
            probes.add(new Probe("100KB:" + field, "POST", SEARCH, "application/json",
                    "{\"query\":\"volcano\",\"" + field + "\":\"" + longText + "\"}"));
        }
        probes.add(new Probe("100KB:key", "POST", SEARCH, "application/json", "{\"" + longText + "\":1}"));
        probes.add(new Probe("100KB:feedback", "POST", "/api/v1/feedback", "application/json",
                "{\"queryId\":\"" + longText + "\",\"docId\":\"" + longText + "\",\"position\":1}"));
        probes.add(new Probe("100KB:multipart-query", "POST", SEARCH, "multipart/form-data; boundary=b1",
                multipart("b1", tinyPng(), Map.of("query", longText, "userId", longText, "scene", longText))));
        byte[][] invalid = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xFE, (byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0x80},
                {(byte) 0xE2, (byte) 0x82}, {0}, {0, 0, 0}};
        for (byte[] bytes : invalid) {
            for (String field : new String[]{"query", "retriever", "userId", "scene", "imageId", "image", "model"}) {
                probes.add(new Probe("bad-utf8:" + field, "POST", SEARCH, "application/json",
                        concat(("{\"query\":\"v\",\"" + field + "\":\"a").getBytes(StandardCharsets.UTF_8), bytes,
                                "b\"}".getBytes(StandardCharsets.UTF_8))));
            }
            probes.add(new Probe("bad-utf8:key", "POST", SEARCH, "application/json",
                    concat("{\"".getBytes(StandardCharsets.UTF_8), bytes, "\":1}".getBytes(StandardCharsets.UTF_8))));
            probes.add(new Probe("bad-utf8:raw", "POST", SEARCH, "application/json", bytes));
            probes.add(new Probe("bad-utf8:feedback", "POST", "/api/v1/feedback", "application/json",
                    concat("{\"queryId\":\"".getBytes(StandardCharsets.UTF_8), bytes,
                            "\",\"docId\":\"d\",\"position\":1}".getBytes(StandardCharsets.UTF_8))));
        }
        for (int i = 0; i < 40; i++) {
            byte[] junk = new byte[1 + random.nextInt(2000)];
            random.nextBytes(junk);
            probes.add(new Probe("random-bytes", "POST", i % 2 == 0 ? SEARCH : "/api/v1/feedback", "application/json", junk));
        }
        probes.add(new Probe("nul", "POST", SEARCH, "application/json", "{\"query\":\"\\u0000\\u0000\"}"));
        probes.add(new Probe("nul-raw", "POST", SEARCH, "application/json", "{\"query\":\"a\u0000b\"}"));
        probes.add(new Probe("nul-key", "POST", SEARCH, "application/json", "{\"query\u0000\":\"a\"}"));
        probes.add(new Probe("empty-query-image", "POST", SEARCH, "application/json", "{\"image\":\"\"}"));
        probes.add(new Probe("bad-base64", "POST", SEARCH, "application/json", "{\"image\":\"!!!!\"}"));
        probes.add(new Probe("base64-junk-image", "POST", SEARCH, "application/json",
                "{\"image\":\"" + java.util.Base64.getEncoder().encodeToString(randomBytes(5000)) + "\"}"));
        probes.add(new Probe("image-on-text-collection", "POST", SEARCH, "application/json",
                "{\"image\":\"" + java.util.Base64.getEncoder().encodeToString(tinyPng()) + "\"}"));
        probes.add(new Probe("imageId-on-text-collection", "POST", SEARCH, "application/json", "{\"imageId\":\"bio-1\"}"));
    }

    void addMultipart(List<Probe> probes, int count) {
        List<Supplier<Probe>> makers = List.of(
                () -> new Probe("mp:no-boundary", "POST", SEARCH, "multipart/form-data", multipart("q", tinyPng(), Map.of())),
                () -> new Probe("mp:wrong-boundary", "POST", SEARCH, "multipart/form-data; boundary=nope",
                        multipart("other", tinyPng(), Map.of())),
                () -> new Probe("mp:unterminated", "POST", SEARCH, "multipart/form-data; boundary=u",
                        truncate(multipart("u", tinyPng(), Map.of("query", "x")))),
                () -> new Probe("mp:no-image", "POST", SEARCH, "multipart/form-data; boundary=n",
                        multipart("n", null, Map.of("query", "volcano"))),
                () -> new Probe("mp:garbage-image", "POST", SEARCH, "multipart/form-data; boundary=g",
                        multipart("g", randomBytes(1 + random.nextInt(50_000)), Map.of())),
                () -> new Probe("mp:empty", "POST", SEARCH, "multipart/form-data; boundary=e", new byte[0]),
                () -> new Probe("mp:random-body", "POST", SEARCH, "multipart/form-data; boundary=r",
                        randomBytes(random.nextInt(5000))),
                () -> new Probe("mp:bad-json-fields", "POST", SEARCH, "multipart/form-data; boundary=j",
                        multipart("j", tinyPng(), Map.of("filter", "{", "forceArms", "[1]", "topK", "ten", "debug", "maybe"))),
                () -> new Probe("mp:forceArms-types", "POST", SEARCH, "multipart/form-data; boundary=f",
                        multipart("f", tinyPng(), Map.of("forceArms", "{\"recall\":{\"a\":1}}"))),
                () -> new Probe("mp:to-feedback", "POST", "/api/v1/feedback", "multipart/form-data; boundary=k",
                        multipart("k", tinyPng(), Map.of())),
                () -> new Probe("mp:headers-junk", "POST", SEARCH, "multipart/form-data; boundary=h",
                        ("--h\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + "a".repeat(random.nextInt(10_000))
                                + "\"\r\nContent-Type: \u0000\r\n\r\nxx\r\n--h--\r\n").getBytes(StandardCharsets.ISO_8859_1)),
                () -> new Probe("mp:png-header-only", "POST", SEARCH, "multipart/form-data; boundary=p",
                        multipart("p", java.util.Arrays.copyOf(tinyPng(), 24), Map.of())),
                () -> new Probe("mp:mixed", "POST", SEARCH, "multipart/mixed; boundary=m", multipart("m", tinyPng(), Map.of())));
        for (int i = 0; i < count; i++) {
            probes.add(makers.get(i % makers.size()).get());
        }
    }

    void addContentTypes(List<Probe> probes) {
        String json = "{\"query\":\"volcano\"}";
        String[] types = {"text/plain", "application/xml", "application/x-www-form-urlencoded", "image/png",
                "application/octet-stream", "application/json; charset=utf-16", "application/json; charset=nope",
                "application/json;;;", "application/*", "*/*", "garbage", "application/json\u0000", "text/html",
                "application/x-ndjson", "application/cbor", "application/yaml"};
        for (String type : types) {
            for (String path : new String[]{SEARCH, "/api/v1/feedback", "/api/v1/collections/docs/reindex"}) {
                probes.add(new Probe("content-type:" + type, "POST", path, type.replace("\u0000", ""), json));
            }
        }
        probes.add(new Probe("content-type:none", "POST", SEARCH, null, json));
        probes.add(new Probe("content-type:form", "POST", SEARCH, "application/x-www-form-urlencoded", "query=volcano&topK=3"));
    }

    void addPathsAndMethods(List<Probe> probes, int count) {
        String[] methods = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "FOO", "PROPFIND"};
        String[] paths = {"/api/v1/collections/docs/search", "/api/v1/collections/docs", "/api/v1/collections",
                "/api/v1/feedback", "/api/v1/experiments", "/api/v1/experiments/metrics", "/api/v1/collections/docs/reindex",
                "/api/v1/collections/docs/image", "/api/v1/collections/docs/thumbnail", "/api/v2/collections",
                "/api/v1/x", "/actuator/shutdown", "/actuator/env", "/actuator/heapdump", "/actuator/loggers/root",
                "/admin", "/.env", "/WEB-INF/web.xml", "/static/../application.properties", "/index.html/../x"};
        for (int i = 0; i < count; i++) {
            String method = methods[random.nextInt(methods.length)];
            String path = paths[random.nextInt(paths.length)];
            if (method.equals("GET") && !path.contains("/x") && !path.startsWith("/api/v2") && random.nextBoolean()) {
                path = path + "/" + randomSegment();
            }
            String body = method.equals("GET") || method.equals("OPTIONS") ? null : randomJson(2);
            probes.add(new Probe("method-path", method, path, body == null ? null : "application/json", body));
        }
    }

    String randomSegment() {
        StringBuilder sb = new StringBuilder();
        int n = 1 + random.nextInt(20);
        for (int i = 0; i < n; i++) {
            sb.append((char) ('a' + random.nextInt(26)));
        }
        return sb.toString();
    }

    void addTraversal(List<Probe> probes) {
        String[] names = {"..", "%2e%2e", "..%2f..%2fetc", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "docs%00", "DOCS", "-docs",
                "a".repeat(65), "docs%20", "%c0%ae%c0%ae", "docs;x=1", "~root", "docs%5c..%5c", "..%252f", "con", "a/b"};
        for (String name : names) {
            probes.add(new Probe("traversal:name", "POST", "/api/v1/collections/" + name + "/search", "application/json",
                    "{\"query\":\"x\"}"));
            probes.add(new Probe("traversal:name", "GET", "/api/v1/collections/" + name, null, (String) null));
            probes.add(new Probe("traversal:name", "GET", "/api/v1/collections/" + name + "/image?id=x", null, (String) null));
        }
        String[] ids = {"../../../../etc/passwd", "/etc/passwd", "..\\..\\windows\\win.ini", "file:///etc/passwd",
                "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "bio-1\u0000.png", "", " ", "x".repeat(10_000), "bio-1/../../geo-1",
                "http://169.254.169.254/latest/meta-data/"};
        for (String id : ids) {
            for (String endpoint : new String[]{"image", "thumbnail"}) {
                probes.add(new Probe("traversal:id", "GET", "/api/v1/collections/docs/" + endpoint + "?id=" + enc(id),
                        null, (String) null));
            }
            probes.add(new Probe("traversal:imageId", "POST", SEARCH, "application/json",
                    "{\"imageId\":" + Json.MAPPER.writeValueAsString(id) + "}"));
        }
        probes.add(new Probe("traversal:no-id", "GET", "/api/v1/collections/docs/image", null, (String) null));
        probes.add(new Probe("traversal:two-ids", "GET", "/api/v1/collections/docs/image?id=a&id=b", null, (String) null));
    }

    void addOversized(List<Probe> probes) {
        String twoMb = "{\"query\":\"" + "a".repeat(2 * 1024 * 1024) + "\"}";
        probes.add(new Probe("oversized:json", "POST", SEARCH, "application/json", twoMb));
        probes.add(new Probe("oversized:feedback", "POST", "/api/v1/feedback", "application/json", twoMb));
        probes.add(new Probe("oversized:text", "POST", SEARCH, "text/plain", twoMb));
        probes.add(new Probe("oversized:base64-image", "POST", SEARCH, "application/json",
                "{\"image\":\"" + "A".repeat(3 * 1024 * 1024) + "\"}"));
        probes.add(new Probe("oversized:multipart", "POST", SEARCH, "multipart/form-data; boundary=big",
                multipart("big", randomBytes(22 * 1024 * 1024), Map.of())));
        probes.add(new Probe("oversized:query-100001", "POST", SEARCH, "application/json",
                "{\"query\":\"" + "a".repeat(100_001) + "\"}"));
    }

    void addHeaderJunk(List<Probe> probes, int count) {
        String[][] junk = {
                {"Accept", "image/png"}, {"Accept", "text/html"}, {"Accept", "application/xml;q=1, */*;q=0"},
                {"Accept", "garbage/////"}, {"Accept-Charset", "nope"}, {"Accept-Encoding", "gzip;q=2, br, zstd"},
                {"X-API-Key", "x".repeat(4000)}, {"Authorization", "Bearer"}, {"Authorization", "Bearer " + "z".repeat(3000)},
                {"Authorization", "Basic !!!"}, {"X-Forwarded-For", "1.2.3.4, ::1, garbage"}, {"Range", "bytes=0-1"},
                {"If-None-Match", "*"}, {"Cookie", "a=" + "b".repeat(3000)}, {"Origin", "http://evil.example"},
                {"Content-Language", "xx-\u00e9"}, {"X-Junk", "\u00ff\u00fe"}};
        for (int i = 0; i < count; i++) {
            String[] header = junk[i % junk.length];
            boolean search = random.nextBoolean();
            // Bad JSON too, so every answer is an error whatever the header does.
            probes.add(new Probe("header:" + header[0], search ? "POST" : "GET",
                    search ? SEARCH : "/api/v1/collections/nope", search ? "application/json" : null,
                    search ? "{\"query\":".getBytes(StandardCharsets.UTF_8) : null, Map.of(header[0], header[1])));
        }
    }

    // ------------------------------------------------------------------ helpers

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    byte[] truncate(byte[] bytes) {
        return java.util.Arrays.copyOf(bytes, Math.max(1, bytes.length - 1 - random.nextInt(Math.max(1, bytes.length / 2))));
    }

    /** A valid 1x1 PNG: a real image on a text collection must still be a 4xx. */
    static byte[] tinyPng() {
        return java.util.Base64.getDecoder().decode(
                "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==");
    }

    static byte[] multipart(String boundary, byte[] image, Map<String, String> fields) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (image != null) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"q.png\"\r\n"
                    + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(image);
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        fields.forEach((name, value) -> body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\""
                + name + "\"\r\n\r\n" + value + "\r\n").getBytes(StandardCharsets.UTF_8)));
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    static String abbreviate(String s, int max) {
        return s == null ? "null" : s.length() <= max ? s : s.substring(0, max) + "...";
    }
}
