package dev.mmsearch.server;

import dev.mmsearch.server.service.SearchService;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * The search service end to end: a collection indexed by the real CLI into a temporary data
 * dir, the real Spring Boot app on a random port, real HTTP.
 */
class SearchApiIT {
    static final String MODEL = "all-MiniLM-L6-v2-q";

    @TempDir
    static Path dataDir;
    static ConfigurableApplicationContext app;
    static HttpClient http = HttpClient.newHttpClient();
    static String base;

    @BeforeAll
    static void start() throws Exception {
        Path input = Path.of(SearchApiIT.class.getResource("/docs/small.jsonl").toURI());
        Cli.Result indexed = Cli.run("index", "--data-dir", dataDir.toString(), "--collection", "docs",
                "--input", input.toString(), "--model", MODEL, "--keyword-fields", "topic", "--numeric-fields", "year",
                "--no-progress");
        assertThat(indexed.exitCode()).as(indexed.err()).isZero();
        // A short wait for a turn, so the overload test is quick; read once, at startup.
        System.setProperty("mmsearch.search.max-wait", "200ms");
        try {
            app = SearchService.start(new DataDirectory(dataDir), 0, new EngineOptions(1, 8));
        } finally {
            System.clearProperty("mmsearch.search.max-wait");
        }
        base = "http://127.0.0.1:" + SearchService.port(app);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    static HttpResponse<String> post(String path, String contentType, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).header("content-type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> search(String collection, String json) throws Exception {
        return post("/api/v1/collections/" + collection + "/search", "application/json", json);
    }

    static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) {
        return Json.MAPPER.readTree(response.body());
    }

    static List<String> ids(JsonNode response) {
        List<String> ids = new ArrayList<>();
        response.get("hits").forEach(h -> ids.add(h.get("id").asString()));
        return ids;
    }

    static void assertError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = json(response);
        assertThat(body.get("code").asString()).isEqualTo(code);
        assertThat(body.get("message").asString()).isNotBlank();
    }

    @Test
    void aSearchWithNoTurnWithinMaxWaitGets503OverloadedWithRetryAfterAndTheNextOneIsServed() throws Exception {
        dev.mmsearch.server.web.SearchAdmission admission = app.getBean(dev.mmsearch.server.web.SearchAdmission.class);
        assertThat(admission.maxConcurrent()).isEqualTo(2 * Runtime.getRuntime().availableProcessors());
        java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(admission.maxConcurrent());
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<Thread> holders = new ArrayList<>();
        try {
            // Every turn taken by a "search" that holds it until released.
            for (int i = 0; i < admission.maxConcurrent(); i++) {
                holders.add(Thread.ofPlatform().start(() -> admission.run(() -> {
                    busy.countDown();
                    try {
                        return release.await(30, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                })));
            }
            assertThat(busy.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            HttpResponse<String> refused = search("docs", "{\"query\": \"volcano\"}");
            assertError(refused, 503, "overloaded");
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(json(refused).get("message").asString()).contains("waited 200 ms");
            String metrics = get("/actuator/prometheus").body();
            assertThat(metrics).containsPattern("(?m)^mmsearch_search_rejected_total(\\{[^}]*\\})? [1-9]")
                    .containsPattern("(?m)^mmsearch_search_running(\\{[^}]*\\})? " + admission.maxConcurrent() + "\\.0");
        } finally {
            release.countDown();
            for (Thread t : holders) {
                t.join();
            }
        }
        HttpResponse<String> served = search("docs", "{\"query\": \"volcano\"}");
        assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
    }

    @Test
    void denseSearchFindsTheDocumentThatAnswersTheQuestion() throws Exception {
        HttpResponse<String> r = search("docs", "{\"query\": \"how do plants make sugar from light?\", \"topK\": 3, \"retriever\": \"dense\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(ids(body).getFirst()).isEqualTo("bio-1");
        assertThat(body.get("model").asString()).isEqualTo(MODEL);
        assertThat(body.get("arms").get("recall").asString()).isEqualTo("dense");
        assertThat(body.get("configVersion").asString()).isEqualTo("builtin-3");
        assertThat(body.get("queryId").asString()).hasSize(36);
        JsonNode top = body.get("hits").get(0);
        assertThat(top.get("rank").asInt()).isEqualTo(1);
        assertThat(top.get("fields").get("title").asString()).isEqualTo("Photosynthesis");
        assertThat(top.get("scores").get("vector").asDouble()).isGreaterThan(0.3);
        assertThat(top.get("scores").has("bm25")).isFalse();
        assertThat(body.get("timingsMs").has("encode")).isTrue();
        assertThat(body.get("timingsMs").get("total").asDouble()).isPositive();
        // Scores are non-increasing.
        double previous = Double.MAX_VALUE;
        for (JsonNode hit : body.get("hits")) {
            assertThat(hit.get("score").asDouble()).isLessThanOrEqualTo(previous);
            previous = hit.get("score").asDouble();
        }
    }

    @Test
    void bm25SearchMatchesTermsWithStemmingAndHighlights() throws Exception {
        HttpResponse<String> r = search("docs", "{\"query\": \"erupting volcano magma\", \"retriever\": \"bm25\", \"topK\": 5}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(ids(body).getFirst()).isEqualTo("geo-1");
        assertThat(body.get("arms").get("recall").asString()).isEqualTo("bm25");
        assertThat(body.get("timingsMs").has("encode")).isFalse();
        JsonNode highlights = body.get("hits").get(0).get("fields").get("_highlights");
        // {field: [fragment, ...]}, a fragment being an array of runs {"text": raw text, "match": boolean}.
        JsonNode fragment = highlights.get("text").get(0);
        assertThat(fragment.isArray()).as(fragment.toString()).isTrue();
        StringBuilder text = new StringBuilder();
        List<String> matches = new ArrayList<>();
        for (JsonNode run : fragment) {
            assertThat(run.propertyNames()).containsExactly("text", "match");
            text.append(run.get("text").asString());
            if (run.get("match").asBoolean()) {
                matches.add(run.get("text").asString());
            }
        }
        // A slice of the stored text, as it is (the fragment may stop before the end of the text).
        assertThat("Volcanoes erupt when molten rock called magma rises through the crust and escapes as lava, ash and"
                + " gas.").startsWith(text.toString());
        assertThat(text.toString()).startsWith("Volcanoes erupt when molten rock called magma rises");
        assertThat(matches).containsExactly("Volcanoes", "erupt", "magma");
    }

    @Test
    void hybridArmMergesBothRecallsScores() throws Exception {
        JsonNode body = json(search("docs", "{\"query\": \"volcano lava\", \"forceArms\": {\"recall\": \"hybrid\"}, \"debug\": true}"));
        assertThat(body.get("arms").get("recall").asString()).isEqualTo("hybrid");
        JsonNode top = body.get("hits").get(0);
        assertThat(top.get("id").asString()).isEqualTo("geo-1");
        assertThat(top.get("scores").has("vector")).isTrue();
        assertThat(top.get("scores").has("bm25")).isTrue();
        assertThat(body.get("debug").get("candidates").has("rank")).isTrue();
    }

    @Test
    void sameUserGetsTheSameArmsAndForcingOverridesThem() throws Exception {
        String first = json(search("docs", "{\"query\": \"bees\", \"userId\": \"user-42\"}")).get("arms").toString();
        for (int i = 0; i < 5; i++) {
            assertThat(json(search("docs", "{\"query\": \"bees\", \"userId\": \"user-42\"}")).get("arms").toString()).isEqualTo(first);
        }
        assertError(search("docs", "{\"query\": \"bees\", \"forceArms\": {\"recall\": \"nope\"}}"), 400, "invalid_argument");
        assertError(search("docs", "{\"query\": \"bees\", \"retriever\": \"magic\"}"), 400, "invalid_argument");
    }

    @Test
    void filterRestrictsResultsToMatchingDocuments() throws Exception {
        JsonNode body = json(search("docs", "{\"query\": \"science\", \"topK\": 10, \"filter\": {\"term\": {\"topic\": \"bio\"}}}"));
        assertThat(ids(body)).containsExactlyInAnyOrder("bio-1", "bio-2", "bio-3");
        // year = 2000 + line index: bio-1..3 are on lines 3-5 -> 2002..2004; the range keeps bio-2 and bio-3.
        JsonNode ranged = json(search("docs", "{\"query\": \"science\", \"filter\": {\"and\": [{\"term\": {\"topic\": \"bio\"}}, "
                + "{\"range\": {\"year\": {\"gt\": 2002}}}]}}"));
        assertThat(ids(ranged)).containsExactlyInAnyOrder("bio-2", "bio-3");
        assertError(search("docs", "{\"query\": \"x\", \"filter\": {\"term\": {\"title\": \"x\"}}}"), 400, "invalid_argument");
        assertError(search("docs", "{\"query\": \"x\", \"filter\": {\"like\": {\"topic\": \"x\"}}}"), 400, "invalid_argument");
    }

    @Test
    void feedbackIsCreditedToTheServingArms() throws Exception {
        JsonNode body = json(search("docs", "{\"query\": \"chess game\", \"retriever\": \"dense\"}"));
        String queryId = body.get("queryId").asString();
        String docId = body.get("hits").get(0).get("id").asString();
        HttpResponse<String> ok = post("/api/v1/feedback", "application/json",
                "{\"queryId\": \"" + queryId + "\", \"docId\": \"" + docId + "\", \"position\": 1}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(json(ok).get("arms").get("recall").asString()).isEqualTo("dense");
        assertError(post("/api/v1/feedback", "application/json", "{\"queryId\": \"nope\", \"docId\": \"x\", \"position\": 1}"),
                404, "not_found");
        assertError(post("/api/v1/feedback", "application/json",
                "{\"queryId\": \"" + queryId + "\", \"docId\": \"not-a-hit\", \"position\": 1}"), 400, "invalid_argument");
        assertError(post("/api/v1/feedback", "application/json", "{\"queryId\": \"" + queryId + "\"}"), 400, "bad_request");
        String metrics = get("/actuator/prometheus").body();
        assertThat(metrics).containsPattern("mmsearch_experiment_clicks_total\\{[^}]*arm=\"dense\"[^}]*layer=\"recall\"[^}]*} 1\\.0")
                .containsPattern("mmsearch_experiment_requests_seconds_count\\{[^}]*arm=\"dense\"");
    }

    @Test
    void experimentsEndpointShowsTheLiveConfig() throws Exception {
        JsonNode body = json(get("/api/v1/experiments"));
        assertThat(body.get("version").asString()).isEqualTo("builtin-3");
        assertThat(body.get("source").asString()).contains("built-in");
        assertThat(body.get("config").get("scenes").get("default").get("layers")).hasSize(3);
    }

    @Test
    void paginationReturnsTheNextSliceOfTheSameRanking() throws Exception {
        List<String> first10 = ids(json(search("docs", "{\"query\": \"science\", \"topK\": 10, \"userId\": \"u1\"}")));
        JsonNode page2 = json(search("docs", "{\"query\": \"science\", \"topK\": 5, \"offset\": 5, \"userId\": \"u1\"}"));
        assertThat(ids(page2)).containsExactlyElementsOf(first10.subList(5, 10));
        assertThat(page2.get("hits").get(0).get("rank").asInt()).isEqualTo(6);
        JsonNode beyond = json(search("docs", "{\"query\": \"science\", \"topK\": 10, \"offset\": 100}"));
        assertThat(beyond.get("hits")).isEmpty();
    }

    @Test
    void queryLongerThanTheModelLimitIsTruncatedNotRefused() throws Exception {
        String longQuery = "volcano lava magma eruption ".repeat(2_000); // ~8k tokens, limit is 256
        HttpResponse<String> r = search("docs", Json.MAPPER.writeValueAsString(java.util.Map.of("query", longQuery, "retriever", "dense")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(ids(json(r)).getFirst()).isEqualTo("geo-1");
    }

    @Test
    void unknownCollectionIs404() throws Exception {
        assertError(search("nope", "{\"query\": \"x\"}"), 404, "collection_not_found");
        assertError(get("/api/v1/collections/nope"), 404, "collection_not_found");
    }

    @Test
    void emptyOrMissingQueryIs400() throws Exception {
        assertError(search("docs", "{\"query\": \"   \"}"), 400, "empty_query");
        assertError(search("docs", "{\"topK\": 3}"), 400, "empty_query");
        assertError(search("docs", ""), 400, "bad_request");
    }

    @Test
    void malformedJsonAndUnknownFieldsAre400() throws Exception {
        assertError(search("docs", "{\"query\": \"x\""), 400, "bad_request");
        assertError(search("docs", "{\"query\": \"x\", \"topk\": 3}"), 400, "bad_request");
        assertError(search("docs", "{\"query\": \"x\", \"topK\": \"ten\"}"), 400, "bad_request");
        assertError(search("docs", "[1, 2]"), 400, "bad_request");
    }

    @Test
    void outOfRangeParametersAre400() throws Exception {
        assertError(search("docs", "{\"query\": \"x\", \"topK\": 0}"), 400, "invalid_argument");
        assertError(search("docs", "{\"query\": \"x\", \"offset\": -1}"), 400, "invalid_argument");
        assertError(search("docs", "{\"query\": \"x\", \"offset\": 995, \"topK\": 10}"), 400, "invalid_argument");
    }

    @Test
    void oversizedQueryIs413() throws Exception {
        String huge = "a".repeat(100_001);
        assertError(search("docs", "{\"query\": \"" + huge + "\"}"), 413, "payload_too_large");
    }

    @Test
    void wrongModelIs409NamingBothModels() throws Exception {
        HttpResponse<String> r = search("docs", "{\"query\": \"x\", \"model\": \"e5-small-v2\"}");
        assertError(r, 409, "model_mismatch");
        assertThat(json(r).get("message").asString()).contains(MODEL).contains("e5-small-v2");
    }

    @Test
    void wrongContentTypeIs415() throws Exception {
        assertError(post("/api/v1/collections/docs/search", "text/plain", "query=x"), 415, "unsupported_media_type");
    }

    @Test
    void collectionsListShowsCountAndStamp() throws Exception {
        HttpResponse<String> r = get("/api/v1/collections");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode docs = json(r).get(0);
        assertThat(docs.get("name").asString()).isEqualTo("docs");
        assertThat(docs.get("documentCount").asLong()).isEqualTo(25);
        assertThat(docs.get("stamp").get("modelId").asString()).isEqualTo(MODEL);
        assertThat(docs.get("stamp").get("dimension").asInt()).isEqualTo(384);
        assertThat(docs.get("stamp").get("checksum").asString()).hasSize(64);
    }

    @Test
    void healthAndPrometheusMetrics() throws Exception {
        HttpResponse<String> health = get("/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(json(health).get("status").asString()).isEqualTo("UP");
        search("docs", "{\"query\": \"bees\"}");
        HttpResponse<String> metrics = get("/actuator/prometheus");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("mmsearch_search_seconds_count{")
                .contains("collection=\"docs\"").contains("outcome=\"ok\"").contains("mmsearch_search_stage_seconds")
                .contains("mmsearch_experiment_reloads_total");
    }

    @Test
    void searchPageIsServed() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>mmsearch</title>").contains("<script type=\"module\" src=\"app.js\">");
        assertThat(get("/app.js").body()).contains("from './js/search.js'");
        // The modules app.js imports, as JavaScript (module scripts are refused under nosniff otherwise).
        HttpResponse<String> module = get("/js/results.js");
        assertThat(module.statusCode()).isEqualTo(200);
        assertThat(module.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).contains("javascript"));
        assertThat(module.body()).contains("textContent").doesNotContain("innerHTML");
        assertError(get("/api/v1/nothing-here"), 404, "not_found");
    }
}
