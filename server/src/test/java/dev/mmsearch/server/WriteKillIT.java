package dev.mmsearch.server;

import dev.mmsearch.core.Json;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a 2xx write answer promises: the server process is killed with SIGKILL at a random moment while 4 clients write
 * single documents and small batches; after a restart every acknowledged document is there, with the content of its
 * last acknowledged write or of a later one that was in flight at the kill (never an older one), and the collection
 * opens cleanly. Three rounds on the same data directory.
 */
class WriteKillIT {
    private static final Logger log = LoggerFactory.getLogger(WriteKillIT.class);
    static final String MODEL = "all-MiniLM-L6-v2-q";

    @TempDir
    Path tmp;

    /** id -> version of its last acknowledged write. */
    final Map<String, Integer> acknowledged = new ConcurrentHashMap<>();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void everyAcknowledgedWriteSurvivesKillNine() throws Exception {
        Path data = ResumeKillIT.dataDir(tmp.resolve("data"));
        String key = Cli.run("keys", "add", "writer", "--data-dir", data.toString()).out().strip();
        Random random = new Random(7);
        for (int round = 1; round <= 3; round++) {
            int port = freePort();
            String base = "http://127.0.0.1:" + port;
            Process server = start(data, port, tmp.resolve("server-" + round + ".log"));
            try {
                awaitHealthy(base, server);
                verifyAcknowledged(base);
                if (round == 1) {
                    HttpResponse<String> created = send(base, "PUT", "/api/v1/collections/notes", "application/json",
                            "{\"model\": \"" + MODEL + "\", \"textFields\": [\"text\"], \"numericFields\":"
                                    + " [\"version\"]}", key);
                    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
                }
                AtomicBoolean running = new AtomicBoolean(true);
                List<Thread> writers = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    int writer = w;
                    int seed = round * 10 + w;
                    writers.add(Thread.ofPlatform().start(() -> write(base, key, writer, seed, running)));
                }
                Thread.sleep(1500 + random.nextInt(2500));
                server.destroyForcibly(); // SIGKILL: no shutdown hook, nothing flushed on the way out
                assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
                running.set(false);
                for (Thread writer : writers) {
                    writer.join(30_000);
                }
                log.info("round={} killed with acknowledged={}", round, acknowledged.size());
            } finally {
                server.destroyForcibly();
            }
        }
        assertThat(acknowledged.size()).as("documents acknowledged before the kills").isGreaterThan(20);
        int port = freePort();
        String base = "http://127.0.0.1:" + port;
        Process server = start(data, port, tmp.resolve("server-final.log"));
        try {
            awaitHealthy(base, server);
            verifyAcknowledged(base);
        } finally {
            server.destroyForcibly();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Writes documents w<writer>-<n>: new ones and updates of earlier ones, one at a time or three at a time. */
    private void write(String base, String key, int writer, int seed, AtomicBoolean running) {
        Random random = new Random(seed);
        int version = seed * 1000;
        while (running.get()) {
            int size = random.nextBoolean() ? 1 : 3;
            Map<String, Integer> batch = new java.util.LinkedHashMap<>();
            StringBuilder ndjson = new StringBuilder();
            for (int i = 0; i < size; i++) {
                String id = "w" + writer + "-" + random.nextInt(40);
                version++;
                batch.put(id, version);
                ndjson.append("{\"id\": \"").append(id).append("\", \"text\": \"note ").append(id).append(" at ")
                        .append(version).append("\", \"version\": ").append(version).append("}\n");
            }
            try {
                HttpResponse<String> answer = send(base, "POST", "/api/v1/collections/notes/documents",
                        "application/x-ndjson", ndjson.toString(), key);
                if (answer.statusCode() == 200 && !json(answer).get("errors").asBoolean()) {
                    acknowledged.putAll(batch); // versions only grow per id within one writer
                }
            } catch (IOException | InterruptedException e) {
                return; // the server is gone: this write was never acknowledged
            }
        }
    }

    private void verifyAcknowledged(String base) throws Exception {
        for (Map.Entry<String, Integer> ack : acknowledged.entrySet()) {
            HttpResponse<String> found = send(base, "GET", "/api/v1/collections/notes/documents/" + ack.getKey(),
                    null, null, null);
            assertThat(found.statusCode()).as("acknowledged document " + ack.getKey()).isEqualTo(200);
            int stored = json(found).get("fields").get("version").asInt();
            assertThat(stored).as("version of " + ack.getKey()).isGreaterThanOrEqualTo(ack.getValue());
        }
    }

    private Process start(Path data, int port, Path logFile) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Dmmsearch.security.rate-limit.per-second=0",
                "-cp", System.getProperty("java.class.path"), "dev.mmsearch.server.cli.Main",
                "serve", "--data-dir", data.toString(), "--port", String.valueOf(port), "--threads", "1");
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
    }

    private void awaitHealthy(String base, Process server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            assertThat(server.isAlive()).as("server process").isTrue();
            try {
                if (send(base, "GET", "/actuator/health", null, null, null).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("server at " + base + " did not become healthy in 90 s");
    }

    private HttpResponse<String> send(String base, String method, String path, String contentType, String body,
                                      String key) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("content-type", contentType);
        }
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) {
        return Json.MAPPER.readTree(response.body());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
