package dev.mmsearch.server;

import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.Json;
import dev.mmsearch.server.service.SearchService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mmsearch index|import|delete --server} against a real server: a push ends with what a local run of the same
 * file gives (documents, counts, error report lines), resumes after an interruption, imports an export without the
 * model running, deletes; a command that finds the data dir held by the server names it; a missing or wrong API key
 * is a clear error.
 */
class CliPushIT {
    static final String MODEL = "all-MiniLM-L6-v2-q";
    static final Pattern COUNTS = Pattern.compile("read \\d+, indexed \\d+, skipped \\d+, failed \\d+(, duplicates \\d+)?");

    @TempDir
    static Path tmp;
    static Path serverDir;
    static ConfigurableApplicationContext app;
    static String base;
    static String key;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        serverDir = ResumeKillIT.dataDir(tmp.resolve("server"));
        key = Cli.run("keys", "add", "pusher", "--data-dir", serverDir.toString()).out().strip();
        app = SearchService.start(new DataDirectory(serverDir), 0, new EngineOptions(1, 16),
                dev.mmsearch.server.experiments.ExperimentSettings.DEFAULTS,
                Map.of("mmsearch.security.rate-limit.per-second", "0"));
        base = "http://127.0.0.1:" + SearchService.port(app);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
            assertThat(serverDir.resolve(ServerFile.NAME)).as("removed on a clean shutdown").doesNotExist();
        }
    }

    static JsonNode get(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 404 ? null : Json.MAPPER.readTree(response.body());
    }

    static double embedded(String collection) {
        Counter counter = app.getBean(MeterRegistry.class).find("mmsearch.write.embedded").tag("collection", collection)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    /** 40 documents, with an unparseable line (5), a record without id (9), nothing to embed (14), a repeated id (33). */
    static Path mixedInput(Path dir) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            String line = switch (i) {
                case 5 -> "{\"id\": \"broken\", \"title\": ";
                case 9 -> "{\"title\": \"no id\", \"text\": \"a record without an id\"}";
                case 14 -> "{\"id\": \"empty\", \"topic\": \"none\", \"year\": 2001}";
                case 33 -> doc("d7", "Replaced seven", "the later record with id d7 wins", "b", 1999);
                default -> doc("d" + i, "Title " + i, "Text number " + i + " about subject " + (i % 6), i % 2 == 0 ? "a"
                        : "b", 2000 + i);
            };
            lines.add(line);
        }
        Files.createDirectories(dir);
        Path file = dir.resolve("mixed.jsonl");
        Files.write(file, lines);
        return file;
    }

    static String doc(String id, String title, String text, String topic, int year) {
        return Json.MAPPER.writeValueAsString(Map.of("id", id, "title", title, "text", text, "topic", topic,
                "year", year));
    }

    static List<JsonNode> report(Path dataDir) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        try (var files = Files.list(dataDir.resolve("reports"))) {
            Path report = files.sorted().reduce((a, b) -> b).orElseThrow();
            for (String line : Files.readAllLines(report)) {
                lines.add(Json.MAPPER.readTree(line));
            }
        }
        return lines;
    }

    static String counts(String out) {
        Matcher m = COUNTS.matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return m.group();
    }

    @Test
    void aPushEndsWithTheDocumentsCountsAndErrorReportOfALocalRun() throws Exception {
        Path input = mixedInput(tmp.resolve("input"));
        Path localDir = ResumeKillIT.dataDir(tmp.resolve("local"));
        Path cliDir = ResumeKillIT.dataDir(tmp.resolve("cli"));
        String[] schema = {"--model", MODEL, "--keyword-fields", "topic", "--numeric-fields", "year", "--no-progress"};
        Cli.Result local = Cli.run(concat(new String[] {"index", "--data-dir", localDir.toString(), "-c", "docs", "-i",
                input.toString()}, schema));
        assertThat(local.exitCode()).as(local.err()).isZero();
        // Chunks of 6 with 3 in flight: the repeated id (line 33) must still land after its first record (line 7).
        Cli.Result pushed = Cli.run(concat(new String[] {"index", "--data-dir", cliDir.toString(), "-c", "docs", "-i",
                input.toString(), "--server", base, "--api-key", key, "--chunk-size", "6"}, schema));
        assertThat(pushed.exitCode()).as(pushed.err()).isZero();

        assertThat(counts(local.out())).isEqualTo("read 40, indexed 36, skipped 0, failed 3, duplicates 1");
        assertThat(counts(pushed.out())).isEqualTo(counts(local.out()));
        List<JsonNode> localReport = report(localDir);
        List<JsonNode> pushedReport = report(cliDir);
        assertThat(pushedReport).isEqualTo(localReport);
        assertThat(pushedReport).extracting(n -> n.get("line").asInt()).containsExactly(5, 9, 14);
        assertThat(pushedReport.get(2).get("id").asString()).isEqualTo("empty");
        assertThat(pushed.out()).contains(cliDir.resolve("reports").toString());

        // The same collection: schema, model and every document with the same fields.
        JsonNode served = get("/api/v1/collections/docs");
        assertThat(served.get("documentCount").asLong()).isEqualTo(36);
        try (CollectionStore store = new EngineOptions(1, 16).openStore(new DataDirectory(localDir))) {
            var collection = store.get("docs");
            assertThat(dev.mmsearch.server.remote.RemoteCollections.sameSchema(collection.schema(), served))
                    .as(served.get("schema") + " vs " + collection.schema()).isTrue();
            assertThat(collection.stamp().modelId()).isEqualTo(served.get("stamp").get("modelId").asString());
            assertThat(collection.count()).isEqualTo(36);
            List<String> ids = new ArrayList<>();
            for (int i = 1; i <= 40; i++) {
                ids.add("d" + i);
            }
            Map<String, Document> documents = collection.fetch(ids);
            assertThat(documents).hasSize(36);
            for (Document document : documents.values()) {
                JsonNode remote = get("/api/v1/collections/docs/documents/" + document.id());
                assertThat(remote).as(document.id()).isNotNull();
                assertThat(remote.get("fields")).as(document.id())
                        .isEqualTo(Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(document.fields())));
            }
            assertThat(documents.get("d7").fields()).containsEntry("title", "Replaced seven");
        }
        assertThat(embedded("docs")).as("the server embedded the pushed documents").isGreaterThanOrEqualTo(36);

        // delete --server: by ids (one missing) and by filter, with the local command's answers.
        Cli.Result byId = Cli.run("delete", "--server", base, "--api-key", key, "-c", "docs", "--id", "d1", "d2",
                "nope");
        assertThat(byId.exitCode()).as(byId.err()).isZero();
        assertThat(byId.out()).contains("deleted 2 of 3 ids from docs; 34 documents left");
        assertThat(get("/api/v1/collections/docs/documents/d1")).isNull();
        Cli.Result byFilter = Cli.run("delete", "--server", base, "--api-key", key, "-c", "docs", "--filter",
                "{\"range\": {\"year\": {\"gte\": 2036}}}");
        assertThat(byFilter.exitCode()).as(byFilter.err()).isZero();
        assertThat(byFilter.out()).contains("deleted 5 documents matching the filter from docs; 29 left");
        Cli.Result badFilter = Cli.run("delete", "--server", base, "--api-key", key, "-c", "docs", "--filter", "{");
        assertThat(badFilter.exitCode()).isEqualTo(1);
        assertThat(badFilter.err()).contains("--filter is not valid JSON");
    }

    @Test
    void resumeAfterAnInterruptedPushSendsOnlyTheRest() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 30; i++) {
            lines.add(i == 20 ? "{\"id\": \"hollow\", \"topic\": \"x\"}"
                    : doc("r" + i, "Resume " + i, "Resumable document " + i, "r", 1900 + i));
        }
        Path input = tmp.resolve("input").resolve("resume.jsonl");
        Files.createDirectories(input.getParent());
        Files.write(input, lines);
        Path cliDir = ResumeKillIT.dataDir(tmp.resolve("cli-resume"));
        String[] common = {"index", "--data-dir", cliDir.toString(), "-c", "resumable", "-i", input.toString(),
                "--model", MODEL, "--server", base, "--api-key", key, "--chunk-size", "5", "--no-progress"};
        // Interrupted: the server refuses line 20 and --on-error fail stops the run there; chunks 1-15 are acknowledged.
        Cli.Result interrupted = Cli.run(concat(common, new String[] {"--on-error", "fail"}));
        assertThat(interrupted.exitCode()).isEqualTo(1);
        assertThat(interrupted.err()).contains("invalid_input").contains("resume.jsonl:20")
                .contains("acknowledged the first 15 records").contains("--resume");
        Path checkpoint;
        try (var files = Files.list(cliDir.resolve("push-checkpoints"))) {
            checkpoint = files.filter(p -> p.toString().endsWith("-resumable.json")).findFirst().orElseThrow();
        }
        assertThat(Json.MAPPER.readTree(Files.readString(checkpoint)).get("records").asString()).isEqualTo("15");

        Cli.Result resumed = Cli.run(concat(common, new String[] {"--resume"}));
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("resume: skipping the first 15 records");
        assertThat(counts(resumed.out())).isEqualTo("read 30, indexed 14, skipped 15, failed 1");
        assertThat(report(cliDir)).extracting(n -> n.get("line").asInt()).containsExactly(20);
        assertThat(get("/api/v1/collections/resumable").get("documentCount").asLong()).isEqualTo(29);
        for (int i : new int[] {1, 15, 16, 21, 30}) {
            assertThat(get("/api/v1/collections/resumable/documents/r" + i)).as("r" + i).isNotNull();
        }

        Cli.Result again = Cli.run(concat(common, new String[] {"--resume"}));
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out()).contains("was already pushed completely (30 records)");
        assertThat(counts(again.out())).isEqualTo("read 30, indexed 0, skipped 30, failed 0");
    }

    @Test
    void aPushKilledWithSigkillResumesFromItsCheckpointToEveryDocument() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 3000; i++) {
            lines.add(doc("k" + i, "Killed " + i, "Short text " + i, "k", 1000 + i));
        }
        Path input = tmp.resolve("input").resolve("killed.jsonl");
        Files.createDirectories(input.getParent());
        Files.write(input, lines);
        Path cliDir = ResumeKillIT.dataDir(tmp.resolve("cli-killed"));
        String[] push = {"index", "--data-dir", cliDir.toString(), "-c", "killed", "-i", input.toString(), "--model",
                MODEL, "--server", base, "--api-key", key, "--chunk-size", "25", "--no-progress"};
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.mmsearch.server.cli.Main"));
        command.addAll(List.of(push));
        Process cli = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("cli-killed.log").toFile()).start();
        Path checkpoint = cliDir.resolve("push-checkpoints").resolve("127.0.0.1_" + SearchService.port(app)
                + "-killed.json");
        long deadline = System.nanoTime() + 120_000_000_000L;
        long records = 0;
        while (records < 50 && System.nanoTime() < deadline) {
            assertThat(cli.isAlive()).as("the push is still running (log %s)", tmp.resolve("cli-killed.log")).isTrue();
            if (Files.exists(checkpoint)) {
                records = Long.parseLong(Json.MAPPER.readTree(Files.readString(checkpoint)).get("records").asString());
            }
            Thread.sleep(20);
        }
        cli.destroyForcibly().waitFor();
        JsonNode kept = Json.MAPPER.readTree(Files.readString(checkpoint));
        long acknowledged = Long.parseLong(kept.get("records").asString());
        assertThat(kept.get("complete").asString()).isEqualTo("false");
        assertThat(acknowledged).isBetween(50L, 2999L);
        assertThat(get("/api/v1/collections/killed").get("documentCount").asLong())
                .isGreaterThanOrEqualTo(acknowledged);

        Cli.Result resumed = Cli.run(concat(push, new String[] {"--resume"}));
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("resume: skipping the first " + acknowledged + " records");
        assertThat(counts(resumed.out())).isEqualTo("read 3000, indexed " + (3000 - acknowledged) + ", skipped "
                + acknowledged + ", failed 0");
        assertThat(get("/api/v1/collections/killed").get("documentCount").asLong()).isEqualTo(3000);
        assertThat(get("/api/v1/collections/killed/documents/k3000").get("fields").get("title").asString())
                .isEqualTo("Killed 3000");
    }

    @Test
    void importPushesAnExportWithItsVectorsAndTheServerRunsNoModel() throws Exception {
        Path localDir = ResumeKillIT.dataDir(tmp.resolve("export-source"));
        Path small = Path.of(CliPushIT.class.getResource("/docs/small.jsonl").toURI());
        assertThat(Cli.run("index", "--data-dir", localDir.toString(), "-c", "docs", "-i", small.toString(),
                "--model", MODEL, "--no-progress", "--hnsw-m", "24").exitCode()).isZero();
        Path export = tmp.resolve("export");
        Cli.Result exported = Cli.run("export", "--data-dir", localDir.toString(), "--collection", "docs", "--out",
                export.toString(), "--shard-size", "10");
        assertThat(exported.exitCode()).as(exported.err()).isZero();

        Cli.Result imported = Cli.run("import", "--server", base, "--api-key", key, "-c", "imported", "-i",
                export.toString());
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.out()).contains("imported 25 documents from 3 shards into imported");
        assertThat(embedded("imported")).as("documents the server embedded for the import").isZero();
        assertThat(get("/api/v1/collections/imported").get("documentCount").asLong()).isEqualTo(25);
        assertThat(get("/api/v1/collections/imported").get("schema").get("hnsw").toString())
                .as("the export's HNSW options travel to the server").isEqualTo("{\"m\":24,\"beamWidth\":100}");
        Cli.Result tunedRemotely = Cli.run("import", "--server", base, "--api-key", key, "-c", "other", "-i",
                export.toString(), "--hnsw-m", "8");
        assertThat(tunedRemotely.exitCode()).isEqualTo(2);
        assertThat(tunedRemotely.err()).contains("apply to a local import");
        // Locally an import may index the same vectors another way.
        Path otherDir = ResumeKillIT.dataDir(tmp.resolve("import-target"));
        Cli.Result local = Cli.run("import", "--data-dir", otherDir.toString(), "-c", "int8", "-i", export.toString(),
                "--vector-encoding", "int8", "--hnsw-beam-width", "50");
        assertThat(local.exitCode()).as(local.err()).isZero();
        JsonNode listed = Json.MAPPER.readTree(Cli.run("collections", "--data-dir", otherDir.toString(), "--json")
                .out()).get(0);
        assertThat(listed.toString()).contains("\"hnsw\":{\"m\":24,\"beamWidth\":50}");
        // The vectors are the export's: a dense search finds what it finds locally.
        HttpResponse<String> search = http.send(HttpRequest.newBuilder(URI.create(base
                        + "/api/v1/collections/imported/search")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"query\": \"which animal has three hearts\","
                        + " \"retriever\": \"dense\", \"topK\": 1}", StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(search.statusCode()).as(search.body()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(search.body()).get("hits").get(0).get("id").asString()).isEqualTo("animal-2");
        // Importing again upserts the same 25.
        assertThat(Cli.run("import", "--server", base, "--api-key", key, "-c", "imported", "-i", export.toString())
                .exitCode()).isZero();
        assertThat(get("/api/v1/collections/imported").get("documentCount").asLong()).isEqualTo(25);
        assertThat(embedded("imported")).isZero();
    }

    @Test
    void aCommandOnTheServersDataDirNamesTheServerToPushTo() throws Exception {
        assertThat(Files.readString(serverDir.resolve(ServerFile.NAME))).contains(base)
                .contains("\"pid\":" + ProcessHandle.current().pid());
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/collections/held"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + key)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"model\": \"" + MODEL + "\", \"textFields\": [\"text\"]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isIn(200, 201);
        Path small = Path.of(CliPushIT.class.getResource("/docs/small.jsonl").toURI());
        Cli.Result index = Cli.run("index", "--data-dir", serverDir.toString(), "-c", "held", "-i", small.toString(),
                "--model", MODEL, "--text-fields", "text", "--embed", "{text}", "--no-progress");
        assertThat(index.exitCode()).isEqualTo(1);
        assertThat(index.err()).contains("collection 'held' is open in the mmsearch server at " + base)
                .contains("run again with --server " + base).contains("MMSEARCH_API_KEY")
                .doesNotContain("locked by another");
        Cli.Result delete = Cli.run("delete", "--data-dir", serverDir.toString(), "-c", "held", "--id", "x");
        assertThat(delete.exitCode()).isEqualTo(1);
        assertThat(delete.err()).contains("is open in the mmsearch server at " + base)
                .contains("--server " + base);
    }

    @Test
    void aMissingOrWrongApiKeyIsAClearError() throws Exception {
        Path small = Path.of(CliPushIT.class.getResource("/docs/small.jsonl").toURI());
        Path cliDir = ResumeKillIT.dataDir(tmp.resolve("cli-keys"));
        Cli.Result wrong = Cli.run("index", "--data-dir", cliDir.toString(), "-c", "keyed", "-i", small.toString(),
                "--model", MODEL, "--server", base, "--api-key", "not-a-key", "--no-progress");
        assertThat(wrong.exitCode()).isEqualTo(1);
        assertThat(wrong.err()).contains("refused").contains("401").contains("--api-key")
                .contains("MMSEARCH_API_KEY").contains("not an admin key");
        Assumptions.assumeTrue(System.getenv("MMSEARCH_API_KEY") == null, "MMSEARCH_API_KEY is set here");
        Cli.Result absent = Cli.run("delete", "--server", base, "-c", "docs", "--id", "d3");
        assertThat(absent.exitCode()).isEqualTo(1);
        assertThat(absent.err()).contains("401").contains("give an admin API key with --api-key KEY or the"
                + " environment variable MMSEARCH_API_KEY");
        assertThat(get("/api/v1/collections/keyed")).as("nothing was created").isNull();
    }

    static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
