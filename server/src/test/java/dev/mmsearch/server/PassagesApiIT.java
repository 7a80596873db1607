package dev.mmsearch.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.Json;
import dev.mmsearch.server.service.SearchService;
import java.io.BufferedReader;
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
 * Long documents over HTTP: documents of more than 5,000 tokens (30 SciFact abstracts each) whose answer sentence is
 * the last one. In a collection created with {@code "passages": "text"} a dense search for that sentence finds its
 * document first, shows the passage that holds it and highlights inside that passage; in the same collection without
 * passages (the text cut at all-MiniLM-L6-v2's 256 tokens) it does not.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PassagesApiIT {
    static final String MODEL = "all-MiniLM-L6-v2-q";
    static final int DOCUMENTS = 8;
    static final int ABSTRACTS_PER_DOCUMENT = 30;

    @TempDir
    static Path dataDir;
    ConfigurableApplicationContext app;
    final HttpClient http = HttpClient.newHttpClient();
    String base;
    String key;
    final Map<String, String> answers = new LinkedHashMap<>();
    final List<String> lines = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        key = Cli.run("keys", "add", "writer", "--data-dir", dataDir.toString()).out().strip();
        app = SearchService.start(new DataDirectory(dataDir), 0, new EngineOptions(1, 16),
                dev.mmsearch.server.experiments.ExperimentSettings.DEFAULTS,
                Map.of("mmsearch.security.rate-limit.per-second", "0"));
        base = "http://127.0.0.1:" + SearchService.port(app);
        List<String> abstracts = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(TestPaths.sharedData().resolve("scifact/corpus.jsonl"))) {
            for (String line = in.readLine(); line != null && abstracts.size() < DOCUMENTS * (ABSTRACTS_PER_DOCUMENT + 1);
                 line = in.readLine()) {
                String text = Json.MAPPER.readTree(line).path("text").asString();
                if (text.length() > 800) {
                    abstracts.add(text);
                }
            }
        }
        for (int d = 0; d < DOCUMENTS; d++) {
            StringBuilder text = new StringBuilder();
            for (int a = 0; a < ABSTRACTS_PER_DOCUMENT; a++) {
                text.append(abstracts.get(d * ABSTRACTS_PER_DOCUMENT + a)).append(' ');
            }
            // The answer: the first sentence of an abstract no document holds otherwise, as the last sentence.
            String pool = abstracts.get(DOCUMENTS * ABSTRACTS_PER_DOCUMENT + d);
            int cut = pool.indexOf(". ");
            String answer = cut > 40 ? pool.substring(0, cut + 1) : pool.substring(0, Math.min(200, pool.length()));
            text.append(answer);
            String id = "long-" + d;
            answers.put(id, answer);
            assertThat(text.toString().split("\\s+").length).as("words (each at least one token)").isGreaterThan(5000);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("id", id);
            fields.put("title", "Collected abstracts " + d);
            fields.put("text", text.toString());
            lines.add(Json.MAPPER.writeValueAsString(fields));
        }
        createAndFill("cut", "");
        createAndFill("split", ", \"passages\": \"text\"");
    }

    @AfterAll
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    private void createAndFill(String name, String passages) throws Exception {
        HttpResponse<String> created = send("PUT", "/api/v1/collections/" + name, "{\"model\": \"" + MODEL
                + "\", \"textFields\": [\"title\", \"text\"], \"embed\": \"{title} {text}\"" + passages + "}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        HttpResponse<String> written = send("POST", "/api/v1/collections/" + name + "/documents",
                String.join("\n", lines) + "\n", "application/x-ndjson");
        assertThat(written.statusCode()).as(written.body()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(written.body()).path("errors").asBoolean()).as(written.body()).isFalse();
    }

    @Test
    void theAnswerAtTheEndIsFoundWithPassagesAndHighlightedInItsPassage() throws Exception {
        int cutFirst = 0;
        for (Map.Entry<String, String> answer : answers.entrySet()) {
            JsonNode split = search("split", answer.getValue());
            JsonNode top = split.get(0);
            assertThat(top.get("id").asString()).as(answer.getValue()).isEqualTo(answer.getKey());
            JsonNode passage = top.path("fields").path("_passage");
            assertThat(passage.path("field").asString()).isEqualTo("text");
            assertThat(passage.path("text").asString()).contains(answer.getValue());
            assertThat(passage.path("index").asInt()).isGreaterThan(10); // far past the model's first window
            String fullText = top.path("fields").path("text").asString();
            assertThat(fullText.substring(passage.path("start").asInt(), passage.path("end").asInt()))
                    .isEqualTo(passage.path("text").asString());
            // The highlight is cut from the passage, and marks words of the answer.
            StringBuilder marked = new StringBuilder();
            for (JsonNode fragment : top.path("fields").path("_highlights").path("text")) {
                StringBuilder fragmentText = new StringBuilder();
                for (JsonNode run : fragment) {
                    fragmentText.append(run.path("text").asString());
                    if (run.path("match").asBoolean()) {
                        marked.append(run.path("text").asString()).append(' ');
                    }
                }
                assertThat(passage.path("text").asString()).contains(fragmentText.toString().strip());
            }
            assertThat(marked.toString()).as("highlighted words").isNotBlank();
            if (search("cut", answer.getValue()).get(0).get("id").asString().equals(answer.getKey())) {
                cutFirst++;
            }
        }
        assertThat(cutFirst).as("answers found first with the text cut at 256 tokens").isLessThanOrEqualTo(1);
    }

    @Test
    void theSchemaShowsThePassagesAndBadOptionsAreRefused() throws Exception {
        HttpResponse<String> info = send("GET", "/api/v1/collections/split", null);
        assertThat(info.body()).contains("\"passages\"", "\"field\":\"text\"");
        HttpResponse<String> notEmbedded = send("PUT", "/api/v1/collections/bad", "{\"model\": \"" + MODEL
                + "\", \"textFields\": [\"title\", \"text\"], \"embed\": \"{title}\", \"passages\": \"text\"}");
        assertThat(notEmbedded.statusCode()).isEqualTo(400);
        assertThat(notEmbedded.body()).contains("passage field 'text' is not in the embed template");
        HttpResponse<String> tiny = send("PUT", "/api/v1/collections/bad", "{\"model\": \"" + MODEL
                + "\", \"textFields\": [\"text\"], \"passages\": {\"field\": \"text\", \"window\": 3}}");
        assertThat(tiny.statusCode()).isEqualTo(400);
        assertThat(tiny.body()).contains("passage window must be at least 16");
        HttpResponse<String> ownVector = send("POST", "/api/v1/collections/split/documents",
                "{\"id\": \"v\", \"text\": \"short\", \"_vector\": [" + "0.1,".repeat(383) + "0.1]}\n",
                "application/x-ndjson");
        assertThat(ownVector.body()).contains("splits field 'text' into passages");
    }

    @Test
    void anExportOfAPassageCollectionIsPushedToTheServerWithItsPassages() throws Exception {
        // Indexed and exported locally (the CLI splits with the same model), then pushed: the server runs no model
        // and answers from the imported passages as from its own.
        Path local = ResumeKillIT.dataDir(dataDir.resolveSibling(dataDir.getFileName() + "-local"));
        Path input = local.resolve("long.jsonl");
        Files.writeString(input, String.join("\n", lines) + "\n");
        Cli.Result indexed = Cli.run("index", "--data-dir", local.toString(), "-c", "docs", "-i", input.toString(),
                "--model", MODEL, "--embed", "{title} {text}", "--passages", "text", "--no-progress");
        assertThat(indexed.exitCode()).as(indexed.err()).isZero();
        Path export = local.resolve("export");
        Cli.Result exported = Cli.run("export", "--data-dir", local.toString(), "--collection", "docs", "--out",
                export.toString(), "--shard-size", "3");
        assertThat(exported.exitCode()).as(exported.err()).isZero();
        double embeddedBefore = embedded("pushed");
        Cli.Result imported = Cli.run("import", "--server", base, "--api-key", key, "-c", "pushed", "-i",
                export.toString());
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.out()).contains("imported 8 documents from 3 shards into pushed");
        assertThat(embedded("pushed")).as("documents the server embedded").isEqualTo(embeddedBefore);
        HttpResponse<String> info = send("GET", "/api/v1/collections/pushed", null);
        assertThat(Json.MAPPER.readTree(info.body()).path("schema").path("passages").path("field").asString())
                .isEqualTo("text");
        for (Map.Entry<String, String> answer : answers.entrySet()) {
            JsonNode top = search("pushed", answer.getValue()).get(0);
            assertThat(top.get("id").asString()).isEqualTo(answer.getKey());
            assertThat(top.path("fields").path("_passage").path("text").asString()).contains(answer.getValue());
        }
    }

    private double embedded(String collection) {
        io.micrometer.core.instrument.Counter counter = app.getBean(io.micrometer.core.instrument.MeterRegistry.class)
                .find("mmsearch.write.embedded").tag("collection", collection).counter();
        return counter == null ? 0 : counter.count();
    }

    private JsonNode search(String collection, String query) throws Exception {
        HttpResponse<String> response = send("POST", "/api/v1/collections/" + collection + "/search",
                "{\"query\": " + Json.MAPPER.writeValueAsString(query) + ", \"topK\": 5, \"retriever\": \"dense\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Json.MAPPER.readTree(response.body()).get("hits");
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
