package dev.mmsearch.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.Json;
import dev.mmsearch.server.service.SearchService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Named vector fields over HTTP: a product collection whose main vector (title and description) comes from
 * all-MiniLM-L6-v2, a {@code title_emb} from bge-small-en-v1.5 and a {@code body_emb} from all-MiniLM-L6-v2 (int8
 * models). A request searches one field ({@code vectorField}); an arm of the experiment config fuses recalls over
 * both fields (RRF); a keyword patch keeps the named vectors; a re-index of one field through the API switches that
 * field's model; bad fields and schemas are 400s that say what is wrong. Hits collapse by a keyword field
 * ({@code groupBy}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class NamedVectorsApiIT {
    static final String MODEL = "all-MiniLM-L6-v2-q";
    static final String TITLE_MODEL = "bge-small-en-v1.5-q";
    /** Titles name the product; descriptions talk about something else, so title and body searches disagree. */
    static final String[][] PRODUCTS = {
            {"Red trail running shoes", "Packed for a long weekend of hiking in the Alps with friends."},
            {"Cast iron frying pan", "A present for my brother who just moved into his first flat."},
            {"Noise cancelling headphones", "Makes the daily train commute to the office far more bearable."},
            {"Wooden chess set", "Our grandfather taught the whole family to play on winter evenings."},
            {"Stainless steel water bottle", "Keeps tea hot during early morning birdwatching trips."},
            {"Electric bicycle", "Replaced the car for getting the children to school."},
            {"Espresso machine", "The kitchen counter finally has a place for guests to gather."},
            {"Camping tent for four", "We watched the meteor shower from the lake shore in August."},
    };

    @TempDir
    static Path dataDir;
    ConfigurableApplicationContext app;
    final HttpClient http = HttpClient.newHttpClient();
    String base;
    String key;

    @BeforeAll
    void start() throws Exception {
        Files.writeString(dataDir.resolve("experiments.yaml"), """
                version: "named-1"
                defaultScene: default
                scenes:
                  default:
                    layers:
                      - name: recall
                        stage: recall
                        salt: recall-named
                        arms:
                          - {name: main, weight: 100, params: {type: vector, k: 20}}
                          - name: fused
                            weight: 0
                            params:
                              type: multi
                              recalls:
                                - {type: vector, name: title, k: 20, field: title_emb}
                                - {type: vector, name: body, k: 20, field: body_emb}
                      - name: rank
                        stage: rank
                        salt: rank-named
                        arms:
                          - {name: rrf, weight: 100, params: {type: rrf, k: 60}}
                      - name: summary
                        stage: summary
                        salt: summary-named
                        arms:
                          - {name: plain, weight: 100, params: {type: fields}}
                """);
        key = Cli.run("keys", "add", "writer", "--data-dir", dataDir.toString()).out().strip();
        app = SearchService.start(new DataDirectory(dataDir), 0, new EngineOptions(1, 16),
                dev.mmsearch.server.experiments.ExperimentSettings.DEFAULTS,
                Map.of("mmsearch.security.rate-limit.per-second", "0"));
        base = "http://127.0.0.1:" + SearchService.port(app);
        HttpResponse<String> created = send("PUT", "/api/v1/collections/products", "{\"model\": \"" + MODEL + "\","
                + " \"textFields\": [\"title\", \"text\"], \"keywordFields\": [\"shop\"], \"embed\": \"{title} {text}\","
                + " \"vectors\": {\"title_emb\": {\"embed\": \"{title}\", \"model\": \"" + TITLE_MODEL + "\"},"
                + " \"body_emb\": {\"embed\": \"{text}\"}}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < PRODUCTS.length; i++) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("id", "p" + i);
            fields.put("title", PRODUCTS[i][0]);
            fields.put("text", PRODUCTS[i][1]);
            fields.put("shop", "north");
            lines.add(Json.MAPPER.writeValueAsString(fields));
        }
        HttpResponse<String> written = send("POST", "/api/v1/collections/products/documents",
                String.join("\n", lines) + "\n", "application/x-ndjson");
        assertThat(written.statusCode()).as(written.body()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(written.body()).path("errors").asBoolean()).as(written.body()).isFalse();
    }

    @AfterAll
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void theSchemaShowsEachFieldWithItsOwnModel() throws Exception {
        JsonNode vectors = Json.MAPPER.readTree(send("GET", "/api/v1/collections/products", null).body())
                .path("schema").path("vectors");
        assertThat(vectors).hasSize(2);
        assertThat(vectors.get(0).path("name").asString()).isEqualTo("title_emb");
        assertThat(vectors.get(0).path("model").path("modelId").asString()).isEqualTo(TITLE_MODEL);
        assertThat(vectors.get(1).path("name").asString()).isEqualTo("body_emb");
        assertThat(vectors.get(1).path("model").path("modelId").asString()).isEqualTo(MODEL);
    }

    @Test
    @org.junit.jupiter.api.Order(2)
    void eachFieldIsSearchedWithItsModelAndTheFusedArmFindsBoth() throws Exception {
        // "weekend hiking in the Alps" is in p0's description only; "frying pan" in p1's title only.
        assertThat(ids(search("{\"query\": \"frying pan\", \"vectorField\": \"title_emb\"}")).getFirst()).isEqualTo("p1");
        assertThat(ids(search("{\"query\": \"a weekend of hiking in the Alps\", \"vectorField\": \"body_emb\"}"))
                .getFirst()).isEqualTo("p0");
        JsonNode fused = Json.MAPPER.readTree(send("POST", "/api/v1/collections/products/search",
                "{\"query\": \"a weekend of hiking in the Alps\", \"forceArms\": {\"recall\": \"fused\"},"
                        + " \"debug\": true, \"topK\": 3}").body());
        assertThat(fused.path("hits").get(0).path("id").asString()).isEqualTo("p0");
        String debug = fused.path("debug").toString();
        assertThat(debug).contains("recall.title").contains("recall.body");
    }

    @Test
    @org.junit.jupiter.api.Order(4) // the re-index changes the schema: last
    void aKeywordPatchKeepsTheNamedVectorsAndAFieldReindexSwitchesItsModel() throws Exception {
        HttpResponse<String> patch = send("PATCH", "/api/v1/collections/products/documents/p2",
                "{\"shop\": \"south\"}");
        assertThat(patch.statusCode()).as(patch.body()).isEqualTo(200);
        assertThat(ids(search("{\"query\": \"headphones\", \"vectorField\": \"title_emb\","
                + " \"filter\": {\"term\": {\"shop\": \"south\"}}}"))).containsExactly("p2");

        HttpResponse<String> started = send("POST", "/api/v1/collections/products/reindex",
                "{\"model\": \"all-MiniLM-L6-v2\", \"field\": \"title_emb\"}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String state = "running";
        for (int i = 0; i < 600 && state.equals("running"); i++) {
            Thread.sleep(100);
            state = Json.MAPPER.readTree(send("GET", "/api/v1/collections/products/reindex", null).body())
                    .path("state").asString();
        }
        assertThat(state).isEqualTo("done");
        JsonNode info = Json.MAPPER.readTree(send("GET", "/api/v1/collections/products", null).body());
        assertThat(info.path("schema").path("vectors").get(0).path("model").path("modelId").asString())
                .isEqualTo("all-MiniLM-L6-v2");
        assertThat(info.path("stamp").path("modelId").asString()).isEqualTo(MODEL);
        assertThat(ids(search("{\"query\": \"frying pan\", \"vectorField\": \"title_emb\"}")).getFirst()).isEqualTo("p1");
    }

    @Test
    @org.junit.jupiter.api.Order(3)
    void badFieldsAndSchemasAreClearErrors() throws Exception {
        HttpResponse<String> unknown = send("POST", "/api/v1/collections/products/search",
                "{\"query\": \"pan\", \"vectorField\": \"image_emb\"}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("there is no vector field 'image_emb'").contains("title_emb");
        HttpResponse<String> badName = send("PUT", "/api/v1/collections/bad", "{\"model\": \"" + MODEL + "\","
                + " \"textFields\": [\"title\"], \"vectors\": {\"Title Vector\": {\"embed\": \"{title}\"}}}");
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(badName.body()).contains("vector field name 'Title Vector' is not allowed");
        HttpResponse<String> noEmbed = send("PUT", "/api/v1/collections/bad", "{\"model\": \"" + MODEL + "\","
                + " \"textFields\": [\"title\"], \"vectors\": {\"title_emb\": {}}}");
        assertThat(noEmbed.statusCode()).isEqualTo(400);
        assertThat(noEmbed.body()).contains("vector field 'title_emb' needs \\\"embed\\\"");
        HttpResponse<String> badReindex = send("POST", "/api/v1/collections/products/reindex",
                "{\"model\": \"all-MiniLM-L6-v2\", \"field\": \"nope\"}");
        assertThat(badReindex.statusCode()).isEqualTo(400);
        assertThat(badReindex.body()).contains("there is no vector field 'nope'");
    }

    @Test
    @org.junit.jupiter.api.Order(5)
    void theCliIndexesNamedVectorsAndReindexesOneField() throws Exception {
        Path local = ResumeKillIT.dataDir(dataDir.resolveSibling(dataDir.getFileName() + "-cli"));
        Path input = local.resolve("products.jsonl");
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < PRODUCTS.length; i++) {
            jsonl.append(Json.MAPPER.writeValueAsString(Map.of("id", "p" + i, "title", PRODUCTS[i][0],
                    "text", PRODUCTS[i][1]))).append('\n');
        }
        Files.writeString(input, jsonl);
        Cli.Result indexed = Cli.run("index", "--data-dir", local.toString(), "-c", "shop", "-i", input.toString(),
                "--model", MODEL, "--vector", "title_emb={title}@" + TITLE_MODEL, "--no-progress");
        assertThat(indexed.exitCode()).as(indexed.err()).isZero();
        JsonNode listed = Json.MAPPER.readTree(Cli.run("collections", "--data-dir", local.toString(), "--json").out());
        assertThat(listed.toString()).contains("\"title_emb\"").contains(TITLE_MODEL);
        Cli.Result reindexed = Cli.run("reindex", "--data-dir", local.toString(), "-c", "shop", "--field",
                "title_emb", "--model", "all-MiniLM-L6-v2", "--no-progress");
        assertThat(reindexed.exitCode()).as(reindexed.err()).isZero();
        assertThat(reindexed.out()).contains("field 'title_emb'").contains("8 documents");
        Cli.Result bad = Cli.run("index", "--data-dir", local.toString(), "-c", "other", "-i", input.toString(),
                "--model", MODEL, "--vector", "title_emb", "--no-progress");
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.err()).contains("is not NAME=TEMPLATE[@MODEL]");
    }

    @Test
    @org.junit.jupiter.api.Order(6) // after the patch: p2 is in shop south, the others in north
    void hitsCollapseByAKeywordFieldWithTheirGroupSizes() throws Exception {
        JsonNode all = search("{\"query\": \"a present for the kitchen\", \"topK\": 8}");
        assertThat(all).hasSize(PRODUCTS.length);
        JsonNode grouped = Json.MAPPER.readTree(send("POST", "/api/v1/collections/products/search",
                "{\"query\": \"a present for the kitchen\", \"topK\": 8, \"groupBy\": \"shop\"}").body());
        JsonNode hits = grouped.get("hits");
        assertThat(hits).hasSize(2);
        assertThat(grouped.path("totalCandidates").asInt()).isEqualTo(2);
        // The best-ranked document of each shop, in the order of the ungrouped ranking.
        List<String> order = ids(all);
        String north = order.stream().filter(id -> !id.equals("p2")).findFirst().orElseThrow();
        List<String> expected = order.indexOf("p2") < order.indexOf(north) ? List.of("p2", north) : List.of(north, "p2");
        assertThat(ids(hits)).isEqualTo(expected);
        for (JsonNode hit : hits) {
            JsonNode group = hit.path("fields").path("_group");
            assertThat(group.path("field").asString()).isEqualTo("shop");
            boolean south = hit.path("id").asString().equals("p2");
            assertThat(group.path("value").asString()).isEqualTo(south ? "south" : "north");
            assertThat(group.path("size").asInt()).isEqualTo(south ? 1 : PRODUCTS.length - 1);
        }
        HttpResponse<String> notKeyword = send("POST", "/api/v1/collections/products/search",
                "{\"query\": \"pan\", \"groupBy\": \"title\"}");
        assertThat(notKeyword.statusCode()).isEqualTo(400);
        assertThat(notKeyword.body()).contains("groupBy 'title' is not a keyword field").contains("[shop]");
    }

    private JsonNode search(String body) throws Exception {
        HttpResponse<String> response = send("POST", "/api/v1/collections/products/search", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Json.MAPPER.readTree(response.body()).get("hits");
    }

    private static List<String> ids(JsonNode hits) {
        List<String> ids = new ArrayList<>();
        hits.forEach(hit -> ids.add(hit.path("id").asString()));
        return ids;
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return send(method, path, body, "application/json");
    }

    private HttpResponse<String> send(String method, String path, String body, String contentType) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization",
                "Bearer " + key).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            request.header("content-type", contentType);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
