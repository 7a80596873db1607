package dev.mmsearch.server;

import dev.mmsearch.core.Json;
import dev.mmsearch.server.service.SearchService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The online write path on a real server, as a contract every store passes (subclasses: {@link DocumentsApiIT} on the
 * embedded Lucene store, {@code OpenSearchDocumentsApiIT} on a 2-node OpenSearch cluster): a collection created over
 * HTTP, documents written in bulk (NDJSON and JSON arrays) with per-document outcomes, fetched, deleted by id and by
 * filter, all while the server serves searches; and every acknowledged write is searchable when its answer arrives
 * (the group commit both persists and refreshes), measured on 1,000 SciFact documents under concurrent writers and
 * searchers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WritePathContract {
    private static final Logger log = LoggerFactory.getLogger(WritePathContract.class);
    static final String MODEL = "all-MiniLM-L6-v2-q";

    @TempDir
    static Path dataDir;
    static ConfigurableApplicationContext app;
    static final HttpClient http = HttpClient.newHttpClient();
    static String base;
    static String key;

    /** The store's name in the log line of the visibility test. */
    protected abstract String storeName();

    /** Starts what the store needs (e.g. a cluster) and returns the engine options that point the server at it. */
    protected abstract EngineOptions startStore() throws Exception;

    /** Stops what {@link #startStore()} started; called after the server has stopped. */
    protected void stopStore() {
    }

    @BeforeAll
    void start() throws Exception {
        key = Cli.run("keys", "add", "writer", "--data-dir", dataDir.toString()).out().strip();
        // 8 clients on one address: the per-client rate limit (50/s) would answer 429s, which is not under test here.
        app = SearchService.start(new DataDirectory(dataDir), 0, startStore(),
                dev.mmsearch.server.experiments.ExperimentSettings.DEFAULTS,
                java.util.Map.of("mmsearch.security.rate-limit.per-second", "0"));
        base = "http://127.0.0.1:" + SearchService.port(app);
    }

    @AfterAll
    void stop() {
        try {
            if (app != null) {
                app.close();
                app = null;
            }
        } finally {
            stopStore();
        }
    }

    static HttpResponse<String> send(String method, String path, String contentType, String body, boolean keyed)
            throws Exception {
        return send(method, path, contentType, body == null ? null : body.getBytes(StandardCharsets.UTF_8), keyed);
    }

    static HttpResponse<String> send(String method, String path, String contentType, byte[] body, boolean keyed)
            throws Exception {
        return send(method, path, contentType, body, keyed, null);
    }

    /** With {@code ifMatch} as the {@code If-Match} header when not null. */
    static HttpResponse<String> send(String method, String path, String contentType, byte[] body, boolean keyed,
                                     String ifMatch) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (ifMatch != null) {
            request.header("If-Match", ifMatch);
        }
        if (contentType != null) {
            request.header("content-type", contentType);
        }
        if (keyed) {
            request.header("Authorization", "Bearer " + key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) {
        return Json.MAPPER.readTree(response.body());
    }

    static void create(String name) throws Exception {
        HttpResponse<String> created = send("PUT", "/api/v1/collections/" + name, "application/json",
                "{\"model\": \"" + MODEL + "\", \"textFields\": [\"title\", \"text\"], \"keywordFields\": [\"topic\"],"
                        + " \"numericFields\": [\"year\"]}", true);
        assertThat(created.statusCode()).as(created.body()).isIn(200, 201);
    }

    static List<String> searchIds(String name, String query) throws Exception {
        HttpResponse<String> response = send("POST", "/api/v1/collections/" + name + "/search", "application/json",
                "{\"query\": " + Json.MAPPER.writeValueAsString(query) + ", \"topK\": 5}", false);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        json(response).get("hits").forEach(h -> ids.add(h.get("id").asString()));
        return ids;
    }

    @Test
    void collectionsAreCreatedIdempotentlyAndRefusedWhenTheyDiffer() throws Exception {
        String schema = "{\"model\": \"" + MODEL + "\", \"textFields\": [\"title\", \"text\"]}";
        assertThat(send("PUT", "/api/v1/collections/notes", "application/json", schema, false).statusCode())
                .isEqualTo(401);
        HttpResponse<String> created = send("PUT", "/api/v1/collections/notes", "application/json", schema, true);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(json(created).get("stamp").get("modelId").asString()).isEqualTo(MODEL);
        assertThat(send("PUT", "/api/v1/collections/notes", "application/json", schema, true).statusCode())
                .isEqualTo(200);
        HttpResponse<String> differs = send("PUT", "/api/v1/collections/notes", "application/json",
                "{\"model\": \"" + MODEL + "\", \"textFields\": [\"text\"]}", true);
        assertThat(differs.statusCode()).isEqualTo(409);
        assertThat(json(differs).get("code").asString()).isEqualTo("collection_exists");
        assertThat(json(differs).get("message").asString()).contains("schema");
        // Bad schemas: 4xx naming the problem.
        HttpResponse<String> twoRoles = send("PUT", "/api/v1/collections/bad", "application/json",
                "{\"model\": \"" + MODEL + "\", \"textFields\": [\"a\"], \"keywordFields\": [\"a\"]}", true);
        assertThat(twoRoles.statusCode()).isEqualTo(400);
        assertThat(json(twoRoles).get("message").asString()).contains("field 'a' has two roles");
        HttpResponse<String> unknownModel = send("PUT", "/api/v1/collections/bad", "application/json",
                "{\"model\": \"no-such-model\", \"textFields\": [\"a\"]}", true);
        assertThat(unknownModel.statusCode()).isEqualTo(404);
        assertThat(json(unknownModel).get("code").asString()).isEqualTo("model_not_found");
        assertThat(send("PUT", "/api/v1/collections/Bad%20Name", "application/json", schema, true).statusCode())
                .isEqualTo(400);
        // HNSW options: the defaults when not given; given ones are kept (and written into the store's mapping);
        // another m for an existing collection is a difference; out of range is a 400 naming the range.
        assertThat(json(created).get("schema").get("hnsw").toString()).isEqualTo("{\"m\":16,\"beamWidth\":100}");
        String wide = "{\"model\": \"" + MODEL + "\", \"textFields\": [\"text\"], \"hnsw\": {\"m\": 32}}";
        HttpResponse<String> tuned = send("PUT", "/api/v1/collections/tuned", "application/json", wide, true);
        assertThat(tuned.statusCode()).as(tuned.body()).isEqualTo(201);
        assertThat(json(tuned).get("schema").get("hnsw").toString()).isEqualTo("{\"m\":32,\"beamWidth\":100}");
        HttpResponse<String> otherM = send("PUT", "/api/v1/collections/tuned", "application/json",
                wide.replace("32", "24"), true);
        assertThat(otherM.statusCode()).isEqualTo(409);
        assertThat(json(otherM).get("message").asString()).contains("m=32 beamWidth=100").contains("m=24");
        HttpResponse<String> badM = send("PUT", "/api/v1/collections/bad", "application/json",
                wide.replace("32", "1000"), true);
        assertThat(badM.statusCode()).isEqualTo(400);
        assertThat(json(badM).get("message").asString()).contains("HNSW m must be between 2 and 512, got 1000");
        assertThat(send("DELETE", "/api/v1/collections/tuned", null, (byte[]) null, true).statusCode()).isEqualTo(200);
        assertThat(send("DELETE", "/api/v1/collections/notes", null, (byte[]) null, true).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/api/v1/collections/notes", null, (byte[]) null, false).statusCode()).isEqualTo(404);
    }

    /**
     * Whether the store can build a collection with the {@code chinese} analyzer: the embedded store always; an
     * OpenSearch cluster only with its analysis-smartcn plugin, which the test cluster does not have.
     */
    protected boolean hasChineseSegmentation() {
        return true;
    }

    @Test
    void theAnalyzerIsChosenWithTheCollectionAndSearchesChineseWords() throws Exception {
        String cjk = "{\"model\": \"" + MODEL + "\", \"textFields\": [\"title\", \"text\"], \"analyzer\": \"cjk\"}";
        HttpResponse<String> created = send("PUT", "/api/v1/collections/faq", "application/json", cjk, true);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(json(created).get("schema").get("analyzer").asString()).isEqualTo("cjk");
        String ndjson = String.join("\n",
                "{\"id\": \"install\", \"title\": \"如何安装软件包？\", \"text\": \"使用 apt 命令安装软件包。\"}",
                "{\"id\": \"food\", \"title\": \"包子是什么？\", \"text\": \"包子是一种有馅的中国面食。\"}");
        HttpResponse<String> written = send("POST", "/api/v1/collections/faq/documents",
                "application/x-ndjson", ndjson, true);
        assertThat(written.statusCode()).as(written.body()).isEqualTo(200);
        // Bigrams: "包子" is one term, so the package answer ("软件包") does not match it; one character at a
        // time (the English analyzer) it would.
        HttpResponse<String> found = send("POST", "/api/v1/collections/faq/search", "application/json",
                "{\"query\": \"包子\", \"topK\": 5, \"retriever\": \"bm25\"}", false);
        assertThat(found.statusCode()).as(found.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        json(found).get("hits").forEach(h -> ids.add(h.get("id").asString()));
        assertThat(ids).containsExactly("food");
        // Another analyzer for the same collection is a difference; an unknown one a 400 naming the choices.
        HttpResponse<String> other = send("PUT", "/api/v1/collections/faq", "application/json",
                cjk.replace("cjk", "standard"), true);
        assertThat(other.statusCode()).isEqualTo(409);
        assertThat(json(other).get("message").asString()).contains("analyzer (cjk, requested standard)");
        HttpResponse<String> unknown = send("PUT", "/api/v1/collections/bad", "application/json",
                cjk.replace("cjk", "klingon"), true);
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(json(unknown).get("message").asString()).contains("unknown analyzer 'klingon'")
                .contains("english, chinese, cjk, standard, icu");
        HttpResponse<String> chinese = send("PUT", "/api/v1/collections/zh", "application/json",
                cjk.replace("cjk", "chinese"), true);
        if (hasChineseSegmentation()) {
            assertThat(chinese.statusCode()).as(chinese.body()).isEqualTo(201);
            assertThat(json(chinese).get("schema").get("analyzer").asString()).isEqualTo("chinese");
            assertThat(send("DELETE", "/api/v1/collections/zh", null, (byte[]) null, true).statusCode()).isEqualTo(200);
        } else {
            assertThat(chinese.statusCode()).as(chinese.body()).isEqualTo(400);
            assertThat(json(chinese).get("message").asString()).contains("analysis-smartcn plugin")
                    .contains("english, cjk or standard");
            assertThat(send("GET", "/api/v1/collections/zh", null, (byte[]) null, false).statusCode()).isEqualTo(404);
        }
        assertThat(send("DELETE", "/api/v1/collections/faq", null, (byte[]) null, true).statusCode()).isEqualTo(200);
    }

    @Test
    void aBulkBodyWithBadDocumentsWritesExactlyTheGoodOnesAndNamesEachBadOne() throws Exception {
        create("mixed");
        byte[] invalidUtf8 = {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        String ndjson = String.join("\n",
                "{\"id\": \"a1\", \"title\": \"Volcanoes\", \"text\": \"Lava flows from erupting volcanoes.\","
                        + " \"topic\": \"geo\", \"year\": 2020}",
                "{\"id\": \"broken\", \"title\": ",
                "{\"title\": \"no id\", \"text\": \"a document without an id\"}",
                "[1, 2, 3]",
                "{\"id\": \"a2\", \"title\": \"Bad year\", \"text\": \"numbers only\", \"year\": \"soon\"}",
                "{\"id\": \"a3\", \"title\": \"Huge\", \"text\": \"" + "x".repeat(1_000_001) + "\"}",
                "",
                "{\"id\": \"a4\", \"title\": \"Glaciers\", \"text\": \"Ice sheets carve valleys over millennia.\","
                        + " \"topic\": \"geo\", \"year\": 2021}");
        byte[] body = (ndjson.replace("\n\n", "\n" + new String(invalidUtf8, StandardCharsets.ISO_8859_1) + "\n"))
                .getBytes(StandardCharsets.ISO_8859_1);
        // ISO-8859-1 keeps the invalid bytes as they are; the rest of the body is ASCII.
        HttpResponse<String> answer = send("POST", "/api/v1/collections/mixed/documents", "application/x-ndjson",
                body, true);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode result = json(answer);
        assertThat(result.get("errors").asBoolean()).isTrue();
        List<String> outcomes = new ArrayList<>();
        result.get("items").forEach(item -> outcomes.add(item.get("position").asInt() + ":" + item.get("result")
                .asString() + ":" + (item.has("code") ? item.get("code").asString() : "-")));
        assertThat(outcomes).containsExactly("1:created:-", "2:failed:malformed_json", "3:failed:missing_id",
                "4:failed:not_an_object", "5:failed:invalid_field", "6:failed:field_too_large", "7:failed:invalid_utf8",
                "8:created:-");
        assertThat(result.get("written").asInt()).isEqualTo(2);
        // Written means searchable and fetchable at once.
        assertThat(searchIds("mixed", "lava volcano")).first().isEqualTo("a1");
        JsonNode fetched = json(send("GET", "/api/v1/collections/mixed/documents/a4", null, (byte[]) null, false));
        assertThat(fetched.get("fields").get("title").asString()).isEqualTo("Glaciers");
        assertThat(send("GET", "/api/v1/collections/mixed/documents/a2", null, (byte[]) null, false).statusCode())
                .isEqualTo(404);
        // A JSON array works the same; writing again updates.
        HttpResponse<String> array = send("POST", "/api/v1/collections/mixed/documents", "application/json",
                "[{\"id\": \"a1\", \"title\": \"Volcanoes\", \"text\": \"Lava and ash.\", \"topic\": \"old\"}, 7]", true);
        assertThat(json(array).get("items").get(0).get("result").asString()).isEqualTo("updated");
        assertThat(json(array).get("items").get(1).get("code").asString()).isEqualTo("not_an_object");
        // Empty body and no key.
        assertThat(json(send("POST", "/api/v1/collections/mixed/documents", "application/x-ndjson", " \n", true))
                .get("code").asString()).isEqualTo("bad_request");
        assertThat(send("POST", "/api/v1/collections/mixed/documents", "application/x-ndjson",
                "{\"id\": \"z\", \"text\": \"t\"}", false).statusCode()).isEqualTo(401);
        // Delete by filter, then by id.
        HttpResponse<String> deleted = send("POST", "/api/v1/collections/mixed/documents/delete", "application/json",
                "{\"filter\": {\"term\": {\"topic\": \"old\"}}}", true);
        assertThat(json(deleted).get("deleted").asLong()).isEqualTo(1);
        assertThat(json(send("DELETE", "/api/v1/collections/mixed/documents/a4", null, (byte[]) null, true))
                .get("result").asString()).isEqualTo("deleted");
        assertThat(json(send("DELETE", "/api/v1/collections/mixed/documents/a4", null, (byte[]) null, true))
                .get("result").asString()).isEqualTo("not_found");
        assertThat(json(send("GET", "/api/v1/collections/mixed", null, (byte[]) null, false)).get("documentCount")
                .asLong()).isZero();
    }

    @Test
    void oneDocumentIsReplacedWithPutAndMergedWithPatch() throws Exception {
        create("single");
        String path = "/api/v1/collections/single/documents/s1";
        HttpResponse<String> put = send("PUT", path, "application/json",
                "{\"title\": \"Tides\", \"text\": \"The moon pulls the oceans.\", \"topic\": \"sea\", \"year\": 1999}",
                true);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(json(put).get("result").asString()).isEqualTo("created");
        HttpResponse<String> patch = send("PATCH", path, "application/json", "{\"topic\": \"moon\", \"year\": null}",
                true);
        assertThat(json(patch).get("result").asString()).as(patch.body()).isEqualTo("updated");
        JsonNode fields = json(send("GET", path, null, (byte[]) null, false)).get("fields");
        assertThat(fields.get("topic").asString()).isEqualTo("moon");
        assertThat(fields.has("year")).isFalse();
        assertThat(fields.get("title").asString()).isEqualTo("Tides");
        assertThat(searchIds("single", "moon oceans")).containsExactly("s1");
        assertThat(send("PATCH", "/api/v1/collections/single/documents/none", "application/json",
                "{\"topic\": \"x\"}", true).statusCode()).isEqualTo(404);
        assertThat(send("PUT", path, "application/json", "{\"id\": \"other\", \"text\": \"x\"}", true).statusCode())
                .isEqualTo(400);
        HttpResponse<String> badYear = send("PATCH", path, "application/json", "{\"year\": \"soon\"}", true);
        assertThat(badYear.statusCode()).isEqualTo(400);
        assertThat(json(badYear).get("message").asString()).contains("invalid_field");
    }

    /**
     * 4 clients write 240 documents in batches while 4 clients search: no search fails, and every document is found
     * by a search sent right after its write was acknowledged.
     */
    /** {@code ?merge=true}: fields merged into stored documents; a missing id fails alone with status 404. */
    @Test
    void aBulkMergeChangesFieldsOfStoredDocumentsAndFailsMissingOnesAlone() throws Exception {
        create("merged");
        HttpResponse<String> written = send("POST", "/api/v1/collections/merged/documents", "application/x-ndjson",
                "{\"id\": \"m1\", \"title\": \"Rivers\", \"text\": \"Water runs to the sea.\", \"topic\": \"a\","
                        + " \"year\": 2001}\n{\"id\": \"m2\", \"title\": \"Lakes\", \"text\": \"Still water.\","
                        + " \"topic\": \"a\"}\n", true);
        assertThat(json(written).get("written").asInt()).as(written.body()).isEqualTo(2);
        HttpResponse<String> merged = send("POST", "/api/v1/collections/merged/documents?merge=true",
                "application/x-ndjson", "{\"id\": \"m1\", \"topic\": \"b\", \"year\": null}\n"
                        + "{\"id\": \"ghost\", \"topic\": \"b\"}\n{\"id\": \"m2\", \"topic\": \"b\"}\n", true);
        assertThat(merged.statusCode()).as(merged.body()).isEqualTo(200);
        JsonNode items = json(merged).get("items");
        assertThat(items.get(0).get("result").asString()).isEqualTo("updated");
        assertThat(items.get(1).get("code").asString()).isEqualTo("document_missing");
        assertThat(items.get(1).get("status").asInt()).isEqualTo(404);
        assertThat(items.get(2).get("status").asInt()).isEqualTo(200);
        JsonNode m1 = json(send("GET", "/api/v1/collections/merged/documents/m1", null, (byte[]) null, false))
                .get("fields");
        assertThat(m1.get("topic").asString()).isEqualTo("b");
        assertThat(m1.get("title").asString()).isEqualTo("Rivers");
        assertThat(m1.has("year")).isFalse();
        assertThat(send("GET", "/api/v1/collections/merged/documents/ghost", null, (byte[]) null, false).statusCode())
                .isEqualTo(404);
        assertThat(searchIds("merged", "water sea")).first().isEqualTo("m1");
    }

    /**
     * Optimistic concurrency over HTTP: GET gives the version as the ETag, a write with a stale If-Match is 409
     * version_conflict and writes nothing, one with the current version writes and moves the version.
     */
    @Test
    void writesWithIfMatchSucceedOnlyAtTheVersionRead() throws Exception {
        create("versioned");
        String path = "/api/v1/collections/versioned/documents/v1";
        byte[] first = "{\"title\": \"Comets\", \"text\": \"Ice and dust.\", \"topic\": \"sky\"}"
                .getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> put = send("PUT", path, "application/json", first, true);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        HttpResponse<String> got = send("GET", path, null, (byte[]) null, false);
        String etag = got.headers().firstValue("ETag").orElseThrow();
        assertThat(etag).matches("\"[0-9a-f]{16}\"");
        // The write's answer names the version it made, the same one a GET then gives.
        assertThat(json(put).get("version").asString()).isEqualTo(etag.replace("\"", ""));
        assertThat(put.headers().firstValue("ETag")).contains(etag);
        assertThat(json(put).get("status").asInt()).isEqualTo(201);

        HttpResponse<String> patched = send("PATCH", path, "application/json",
                "{\"topic\": \"space\"}".getBytes(StandardCharsets.UTF_8), true, etag);
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        String newer = patched.headers().firstValue("ETag").orElseThrow();
        assertThat(newer).isNotEqualTo(etag);
        // The old version is stale now: PATCH, PUT and DELETE with it are refused and change nothing.
        for (String method : List.of("PATCH", "PUT", "DELETE")) {
            byte[] body = method.equals("DELETE") ? null
                    : "{\"title\": \"Stale\", \"text\": \"Overwritten?\", \"topic\": \"x\"}"
                    .getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> stale = send(method, path, body == null ? null : "application/json", body, true, etag);
            assertThat(stale.statusCode()).as(method + " " + stale.body()).isEqualTo(409);
            assertThat(json(stale).get("code").asString()).isEqualTo("version_conflict");
        }
        JsonNode now = json(send("GET", path, null, (byte[]) null, false)).get("fields");
        assertThat(now.get("topic").asString()).isEqualTo("space");
        assertThat(now.get("title").asString()).isEqualTo("Comets");
        // A malformed If-Match is a 400, not a silent unconditional write; the current version deletes.
        assertThat(send("DELETE", path, null, null, true, "*").statusCode()).isEqualTo(400);
        assertThat(send("PUT", path + "?refresh=soon", "application/json", first, true).statusCode()).isEqualTo(400);
        HttpResponse<String> deleted = send("DELETE", path + "?refresh=wait_for", null, null, true, newer);
        assertThat(json(deleted).get("result").asString()).as(deleted.body()).isEqualTo("deleted");
        assertThat(send("GET", path, null, (byte[]) null, false).statusCode()).isEqualTo(404);
        // A version for a document that is not there is a conflict: If-Match never creates.
        assertThat(send("PUT", path, "application/json", first, true, newer).statusCode()).isEqualTo(409);
    }

    @Test
    void writesWhileSearchingAreSearchableWhenAcknowledgedAndNoSearchFails() throws Exception {
        create("live");
        int writers = 4;
        int batches = 6;
        int perBatch = 10;
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger searches = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> notVisible = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(writers);
        for (int s = 0; s < 4; s++) {
            threads.add(Thread.ofPlatform().start(() -> {
                while (writing.get()) {
                    try {
                        HttpResponse<String> response = send("POST", "/api/v1/collections/live/search",
                                "application/json", "{\"query\": \"note about a topic\", \"topK\": 10}", false);
                        if (response.statusCode() != 200) {
                            failures.add(response.statusCode() + " " + response.body());
                        }
                        searches.incrementAndGet();
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            }));
        }
        for (int w = 0; w < writers; w++) {
            int writer = w;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int b = 0; b < batches; b++) {
                        StringBuilder ndjson = new StringBuilder();
                        for (int i = 0; i < perBatch; i++) {
                            String id = "w" + writer + "-" + b + "-" + i;
                            ndjson.append("{\"id\": \"").append(id).append("\", \"title\": \"Note ").append(id)
                                    .append("\", \"text\": \"A note about topic z").append(writer).append(b).append(i)
                                    .append(" written while searching.\", \"topic\": \"t").append(writer)
                                    .append("\"}\n");
                        }
                        HttpResponse<String> answer = send("POST", "/api/v1/collections/live/documents",
                                "application/x-ndjson", ndjson.toString(), true);
                        if (answer.statusCode() != 200 || json(answer).get("errors").asBoolean()) {
                            failures.add("write " + answer.statusCode() + " " + answer.body());
                            continue;
                        }
                        String probe = "w" + writer + "-" + b + "-0";
                        HttpResponse<String> found = send("GET", "/api/v1/collections/live/documents/" + probe, null,
                                (byte[]) null, false);
                        if (found.statusCode() != 200) {
                            notVisible.add(probe);
                        }
                    }
                } catch (Exception e) {
                    failures.add(e.toString());
                } finally {
                    done.countDown();
                }
            }));
        }
        done.await();
        writing.set(false);
        for (Thread thread : threads) {
            thread.join(30_000);
        }
        assertThat(failures).isEmpty();
        assertThat(notVisible).as("acknowledged but not readable at once").isEmpty();
        assertThat(searches.get()).isPositive();
        assertThat(json(send("GET", "/api/v1/collections/live", null, (byte[]) null, false)).get("documentCount").asLong())
                .isEqualTo((long) writers * batches * perBatch);
        // A filtered search sees one writer's documents only.
        HttpResponse<String> filtered = send("POST", "/api/v1/collections/live/search", "application/json",
                "{\"query\": \"note\", \"topK\": 100, \"filter\": {\"term\": {\"topic\": \"t2\"}}}", false);
        assertThat(json(filtered).get("hits").size()).isEqualTo(batches * perBatch);
    }

    /** {@code scifact/corpus.jsonl} of the shared data ({@code mmsearch.sharedData}, else {@code ../shared/data}). */
    static Path scifactCorpus() {
        return TestPaths.sharedData().resolve("scifact/corpus.jsonl");
    }

    static final int VISIBILITY_DOCUMENTS = 1_000;
    static final int VISIBILITY_WRITERS = 4;
    static final int VISIBILITY_SEARCHERS = 4;
    static final int VISIBILITY_BATCH = 25;
    /** The acceptance bound: every document searchable within this long after its write was acknowledged. */
    static final long VISIBILITY_BOUND_NANOS = 1_000_000_000L;

    /**
     * When one acknowledged batch was found by a search.
     *
     * @param sentLagNanos     acknowledgement to the sending of the first search that found the whole batch
     * @param answeredLagNanos acknowledgement to that search's answer (an upper bound: it includes the search itself)
     * @param probes           searches it took (1: the first search after the acknowledgement found it)
     * @param writeNanos       the write request, sent to acknowledged
     */
    record Visibility(long sentLagNanos, long answeredLagNanos, int probes, long writeNanos) {
    }

    /**
     * Acceptance: 1,000 SciFact documents written in batches of 25 by 4 concurrent clients while 4 other clients
     * search without pause. No search fails; right after each acknowledgement the writer searches for its batch
     * (dense recall filtered on the batch's keyword, so every document of it must come back) and repeats until all
     * 25 are found. Every batch must be found by the first search sent after its acknowledgement (acknowledged =
     * committed and refreshed), and that search must have been sent within 1 s of the acknowledgement (a document
     * is searchable at a time when a search sent then finds it). The log line ({@code write-visibility store=...})
     * also gives the lag up to that search's answer, an upper bound that includes the search's own latency: under
     * the test's 8 clients on 2 shared cores an OpenSearch search answered in up to ~1 s, which is search latency,
     * not visibility, so the bound is not asserted on it.
     */
    @Test
    void aThousandSciFactDocumentsWrittenUnderSearchLoadAreSearchableWithinASecondOfTheirAcknowledgement()
            throws Exception {
        String name = "scifact-live";
        HttpResponse<String> created = send("PUT", "/api/v1/collections/" + name, "application/json",
                "{\"model\": \"" + MODEL + "\", \"textFields\": [\"title\", \"text\"], \"keywordFields\": [\"batch\"]}",
                true);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        List<JsonNode> corpus = new ArrayList<>();
        try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(scifactCorpus())) {
            lines.limit(VISIBILITY_DOCUMENTS).forEach(line -> corpus.add(Json.MAPPER.readTree(line)));
        }
        assertThat(corpus).hasSize(VISIBILITY_DOCUMENTS);
        List<List<JsonNode>> batches = new ArrayList<>();
        for (int from = 0; from < corpus.size(); from += VISIBILITY_BATCH) {
            batches.add(corpus.subList(from, Math.min(corpus.size(), from + VISIBILITY_BATCH)));
        }
        List<String> queries = new ArrayList<>();
        try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(scifactCorpus().resolveSibling(
                "queries.jsonl"))) {
            lines.limit(50).forEach(line -> queries.add(Json.MAPPER.readTree(line).get("text").asString()));
        }

        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger searches = new AtomicInteger();
        AtomicInteger nextBatch = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Visibility> visibility = new ConcurrentLinkedQueue<>();
        List<Thread> searchers = new ArrayList<>();
        for (int s = 0; s < VISIBILITY_SEARCHERS; s++) {
            int searcher = s;
            searchers.add(Thread.ofPlatform().name("searcher-" + s).start(() -> {
                for (int i = searcher; writing.get(); i += VISIBILITY_SEARCHERS) {
                    try {
                        HttpResponse<String> response = send("POST", "/api/v1/collections/" + name + "/search",
                                "application/json", "{\"query\": " + Json.MAPPER.writeValueAsString(
                                        queries.get(i % queries.size())) + ", \"topK\": 10}", false);
                        if (response.statusCode() != 200) {
                            failures.add("search " + response.statusCode() + " " + response.body());
                        }
                        searches.incrementAndGet();
                    } catch (Exception e) {
                        failures.add("search " + e);
                    }
                }
            }));
        }
        long started = System.nanoTime();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < VISIBILITY_WRITERS; w++) {
            writers.add(Thread.ofPlatform().name("writer-" + w).start(() -> {
                try {
                    for (int b = nextBatch.getAndIncrement(); b < batches.size(); b = nextBatch.getAndIncrement()) {
                        writeAndProbe(name, "b" + b, batches.get(b), failures, visibility);
                    }
                } catch (Exception e) {
                    failures.add("writer " + e);
                }
            }));
        }
        for (Thread writer : writers) {
            writer.join(120_000);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        writing.set(false);
        for (Thread searcher : searchers) {
            searcher.join(30_000);
        }

        long[] lags = visibility.stream().mapToLong(Visibility::sentLagNanos).sorted().toArray();
        long[] answered = visibility.stream().mapToLong(Visibility::answeredLagNanos).sorted().toArray();
        long[] writes = visibility.stream().mapToLong(Visibility::writeNanos).sorted().toArray();
        long firstProbeMisses = visibility.stream().filter(v -> v.probes() != 1).count();
        log.info("write-visibility store={} documents={} batches={} batchSize={} writers={} searchers={} searches={}"
                        + " failures={} acknowledgedBatches={} firstProbeMisses={} lagP50Ms={} lagP99Ms={} lagMaxMs={}"
                        + " answeredLagP50Ms={} answeredLagP99Ms={} answeredLagMaxMs={} writeP50Ms={} writeP99Ms={}"
                        + " seconds={} docsPerSecond={}", storeName(), corpus.size(),
                batches.size(), VISIBILITY_BATCH, VISIBILITY_WRITERS, VISIBILITY_SEARCHERS, searches.get(),
                failures.size(), lags.length, firstProbeMisses, millis(percentile(lags, 0.50)),
                millis(percentile(lags, 0.99)), millis(percentile(lags, 1.0)), millis(percentile(answered, 0.50)),
                millis(percentile(answered, 0.99)), millis(percentile(answered, 1.0)), millis(percentile(writes, 0.50)),
                millis(percentile(writes, 0.99)), String.format(java.util.Locale.ROOT, "%.1f", seconds),
                Math.round(corpus.size() / seconds));
        assertThat(failures).as("failed searches and writes").isEmpty();
        assertThat(searches.get()).as("searches served while writing").isGreaterThan(VISIBILITY_SEARCHERS);
        assertThat(lags).as("every batch acknowledged and then found").hasSize(batches.size());
        assertThat(firstProbeMisses).as("batches not found by the first search after their acknowledgement")
                .isZero();
        assertThat(lags[lags.length - 1]).as("largest lag from acknowledgement to a search that finds the batch, ns")
                .isLessThanOrEqualTo(VISIBILITY_BOUND_NANOS);
        assertThat(json(send("GET", "/api/v1/collections/" + name, null, (byte[]) null, false)).get("documentCount")
                .asLong()).isEqualTo(VISIBILITY_DOCUMENTS);
    }

    /** Writes one batch, then searches for it until every document is found (or 5 s pass); records the lag. */
    private static void writeAndProbe(String name, String batch, List<JsonNode> documents,
                                      ConcurrentLinkedQueue<String> failures,
                                      ConcurrentLinkedQueue<Visibility> visibility) throws Exception {
        StringBuilder ndjson = new StringBuilder();
        for (JsonNode source : documents) {
            tools.jackson.databind.node.ObjectNode document = Json.MAPPER.createObjectNode();
            document.put("id", source.get("_id").asString());
            document.put("title", source.get("title").asString());
            document.put("text", source.get("text").asString());
            document.put("batch", batch);
            ndjson.append(Json.MAPPER.writeValueAsString(document)).append('\n');
        }
        long sent = System.nanoTime();
        HttpResponse<String> answer = send("POST", "/api/v1/collections/" + name + "/documents",
                "application/x-ndjson", ndjson.toString(), true);
        long acknowledged = System.nanoTime();
        if (answer.statusCode() != 200 || json(answer).get("errors").asBoolean()
                || json(answer).get("written").asInt() != documents.size()) {
            failures.add("write " + batch + " " + answer.statusCode() + " " + answer.body());
            return;
        }
        String probe = "{\"query\": \"study\", \"topK\": " + documents.size() + ", \"retriever\": \"dense\","
                + " \"forceArms\": {\"summary\": \"plain\"}, \"filter\": {\"term\": {\"batch\": \"" + batch + "\"}}}";
        for (int probes = 1; ; probes++) {
            long probed = System.nanoTime();
            HttpResponse<String> found = send("POST", "/api/v1/collections/" + name + "/search", "application/json",
                    probe, false);
            long now = System.nanoTime();
            if (found.statusCode() != 200) {
                failures.add("probe " + batch + " " + found.statusCode() + " " + found.body());
                return;
            }
            if (json(found).get("hits").size() == documents.size()) {
                visibility.add(new Visibility(probed - acknowledged, now - acknowledged, probes, acknowledged - sent));
                return;
            }
            if (now - acknowledged > 5 * VISIBILITY_BOUND_NANOS) {
                failures.add("batch " + batch + " not searchable 5 s after its acknowledgement (" + probes
                        + " searches found " + json(found).get("hits").size() + " of " + documents.size() + ")");
                return;
            }
        }
    }

    private static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? -1 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static String millis(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e6);
    }
}
