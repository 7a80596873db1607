package dev.mmsearch.server;

import dev.mmsearch.server.service.SearchService;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Fault tolerance on a real data dir: three collections indexed with the real CLI, two of them then damaged on disk
 * (bytes flipped in the middle of the largest segment file, which Lucene does not notice when it opens the index;
 * the largest file of the other cut to half). The real service must start, name the damaged ones in health and a
 * gauge, answer 503 collection_unavailable for them and keep serving the healthy one.
 */
class CorruptIndexIT {
    static final String MODEL = "all-MiniLM-L6-v2-q";
    /** small.jsonl has 27 lines, two of them malformed on purpose. */
    static final int DOCS = 25;

    @TempDir
    static Path dataDir;
    static ConfigurableApplicationContext app;
    static HttpClient http = HttpClient.newHttpClient();
    static String base;
    static Path flippedFile;
    static Path truncatedFile;

    @BeforeAll
    static void indexDamageAndStart() throws Exception {
        Path input = Path.of(CorruptIndexIT.class.getResource("/docs/small.jsonl").toURI());
        for (String name : new String[] {"healthy", "flipped", "truncated"}) {
            Cli.Result r = Cli.run("index", "--data-dir", dataDir.toString(), "-c", name, "-i", input.toString(),
                    "--model", MODEL, "--no-progress");
            assertThat(r.exitCode()).as(r.err()).isZero();
        }
        Path collections = new DataDirectory(dataDir).collections();
        flippedFile = flipBytesInTheMiddle(largestSegmentFile(collections.resolve("flipped")));
        truncatedFile = truncateToHalf(largestSegmentFile(collections.resolve("truncated")));

        app = SearchService.start(new DataDirectory(dataDir), 0, new EngineOptions(1, 8));
        base = "http://127.0.0.1:" + SearchService.port(app);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void healthStaysUpAndNamesTheDamagedCollectionsWithTheirFiles() throws Exception {
        HttpResponse<String> health = get("/actuator/health");
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        JsonNode store = Json.MAPPER.readTree(health.body()).get("components").get("store");
        assertThat(store.get("status").asString()).as("the node still serves").isEqualTo("UP");
        JsonNode details = store.get("details");
        assertThat(details.get("collection.healthy").asString()).startsWith(DOCS + " docs");
        assertThat(details.has("collection.flipped")).isFalse();
        JsonNode unavailable = details.get("unavailable");
        assertThat(unavailable.propertyNames()).containsExactlyInAnyOrder("flipped", "truncated");
        assertThat(unavailable.get("flipped").asString()).contains("collection 'flipped'", "damaged",
                flippedFile.getFileName().toString(), "checksum");
        assertThat(unavailable.get("truncated").asString()).contains("collection 'truncated'", "damaged",
                truncatedFile.getFileName().toString());
    }

    @Test
    void searchingADamagedCollectionIs503CollectionUnavailableNamingIt() throws Exception {
        for (String name : new String[] {"flipped", "truncated"}) {
            for (int attempt = 0; attempt < 2; attempt++) {
                HttpResponse<String> r = search(name, "black holes and gravity");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                JsonNode body = Json.MAPPER.readTree(r.body());
                assertThat(body.get("code").asString()).isEqualTo("collection_unavailable");
                assertThat(body.get("message").asString()).contains("collection '" + name + "'", "damaged",
                        "restore", "mmsearch delete " + name);
            }
        }
    }

    @Test
    void theHealthyCollectionKeepsServing() throws Exception {
        HttpResponse<String> r = search("healthy", "a region of spacetime where gravity lets nothing escape");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode hits = Json.MAPPER.readTree(r.body()).get("hits");
        assertThat(hits.size()).isGreaterThanOrEqualTo(3);
        assertThat(hits.get(0).get("id").asString()).isEqualTo("astro-1");

        HttpResponse<String> list = get("/api/v1/collections");
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains("\"healthy\"").doesNotContain("\"flipped\"").doesNotContain("\"truncated\"");
    }

    @Test
    void theGaugeCountsTheUnavailableCollections() throws Exception {
        String metrics = get("/actuator/prometheus").body();
        Matcher m = Pattern.compile("(?m)^mmsearch_collections_unavailable(\\{[^}]*})? (\\S+)$").matcher(metrics);
        assertThat(m.find()).as("gauge in\n" + metrics.lines().filter(l -> l.contains("collections")).toList()).isTrue();
        assertThat(Double.parseDouble(m.group(2))).isEqualTo(2.0);
    }

    @Test
    void theCliVerifiesWhileTheServiceRunsAndListsTheDamagedOnes() {
        // verify() takes no write lock, so it runs beside the service that holds the healthy collection open.
        Cli.Result r = Cli.run("collections", "--data-dir", dataDir.toString(), "--verify");
        assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).containsPattern("(?m)^healthy +" + DOCS + " ")
                .containsPattern("(?m)^flipped +unavailable: collection 'flipped'.*" + Pattern.quote(flippedFile.getFileName().toString()))
                .containsPattern("(?m)^truncated +unavailable: collection 'truncated'");
    }

    private static HttpResponse<String> search(String collection, String query) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/collections/" + collection + "/search"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"query\": \"" + query + "\", \"topK\": 5}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Path largestSegmentFile(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> !p.getFileName().toString().startsWith("segments_")
                            && !p.getFileName().toString().equals("write.lock"))
                    .max(Comparator.comparingLong(CorruptIndexIT::size)).orElseThrow();
        }
    }

    /** Inverts 4 bytes in the middle of {@code file}: the file keeps its length and its header and footer. */
    private static Path flipBytesInTheMiddle(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long middle = channel.size() / 2;
            ByteBuffer bytes = ByteBuffer.allocate(4);
            channel.read(bytes, middle);
            for (int i = 0; i < 4; i++) {
                bytes.put(i, (byte) ~bytes.get(i));
            }
            bytes.rewind();
            channel.write(bytes, middle);
        }
        return file;
    }

    private static Path truncateToHalf(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() / 2);
        }
        return file;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
