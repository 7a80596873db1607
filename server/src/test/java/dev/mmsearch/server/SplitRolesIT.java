package dev.mmsearch.server;

import dev.mmsearch.server.service.SearchService;
import dev.mmsearch.core.Json;
import dev.mmsearch.grpc.InferenceServer;
import dev.mmsearch.grpc.InferenceServerOptions;
import dev.mmsearch.inference.ModelRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The split deployment (issue 6): a search node with no models of its own (role search) whose encoders are two
 * inference nodes over real gRPC on loopback. Its answers equal the in-process ones, and killing one inference node
 * during a stream of searches fails no search (the client retries on the other node) and changes no result.
 */
class SplitRolesIT {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SplitRolesIT.class);
    // fp32: an int8 model's vectors move slightly with the batch a text lands in (DESIGN.md §5), and inference nodes
    // batch concurrent requests together, so only fp32 gives the same ranking as in-process.
    static final String MODEL = "all-MiniLM-L6-v2";
    static final List<String> QUERIES = List.of("how do plants make sugar from light?", "erupting volcano magma",
            "which animal has three hearts", "printing press history", "distant galaxies and telescopes");

    @TempDir
    static Path dataDir;
    static final List<ModelRegistry> registries = new ArrayList<>();
    static final List<InferenceServer> nodes = new ArrayList<>();
    static ConfigurableApplicationContext app;
    static String base;
    static final HttpClient http = HttpClient.newHttpClient();
    static final Map<String, List<String>> inProcess = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        Path input = Path.of(SplitRolesIT.class.getResource("/docs/small.jsonl").toURI());
        Cli.Result indexed = Cli.run("index", "--data-dir", dataDir.toString(), "--collection", "docs", "--input",
                input.toString(), "--model", MODEL, "--no-progress");
        assertThat(indexed.exitCode()).as(indexed.err()).isZero();
        for (String query : QUERIES) {
            Cli.Result r = Cli.run("search", "--data-dir", dataDir.toString(), "-c", "docs", "-k", "5", "--retriever",
                    "dense", "--json", query);
            assertThat(r.exitCode()).as(r.err()).isZero();
            inProcess.put(query, ids(Json.MAPPER.readTree(r.out())));
        }
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ModelRegistry registry = new ModelRegistry(new DataDirectory(dataDir).models());
            InferenceServer node = new InferenceServer(registry);
            int port = node.start(InferenceServerOptions.loopback());
            registries.add(registry);
            nodes.add(node);
            addresses.add("127.0.0.1:" + port);
        }
        // Three client threads searching as fast as they can from one address: no per-client rate limit.
        app = SearchService.start(new DataDirectory(dataDir), 0, new EngineOptions(1, 8, List.of(), addresses),
                dev.mmsearch.server.experiments.ExperimentSettings.DEFAULTS,
                java.util.Map.of("mmsearch.security.rate-limit.per-second", "0"));
        base = "http://127.0.0.1:" + SearchService.port(app);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        nodes.forEach(InferenceServer::close);
        registries.forEach(ModelRegistry::close);
    }

    @Test
    void aSearchNodeOnRemoteInferenceAnswersLikeInProcessAndSurvivesLosingANode() throws Exception {
        for (String query : QUERIES) {
            assertThat(search(query)).as(query).isEqualTo(inProcess.get(query));
        }

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger done = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        List<Thread> clients = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int seed = t;
            clients.add(Thread.ofPlatform().start(() -> {
                int i = seed;
                while (running.get()) {
                    String query = QUERIES.get(i++ % QUERIES.size());
                    try {
                        List<String> ids = search(query);
                        if (!ids.equals(inProcess.get(query))) {
                            failures.add("wrong result for '" + query + "': " + ids);
                        }
                    } catch (Exception | AssertionError e) {
                        failures.add(query + ": " + e.getMessage());
                    }
                    done.incrementAndGet();
                }
            }));
        }
        while (done.get() < 30) {
            Thread.sleep(5);
        }
        nodes.getFirst().shutdownNow(); // node A goes away mid-stream
        int atKill = done.get();
        while (done.get() < atKill + 60) {
            Thread.sleep(5);
        }
        running.set(false);
        for (Thread c : clients) {
            c.join();
        }
        LOG.info("searches=" + done.get() + " afterKill="
                + (done.get() - atKill) + " failures=" + failures.size());
        assertThat(failures).as("failed or wrong searches while an inference node died").isEmpty();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
    }

    static List<String> search(String query) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/collections/docs/search"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(Map.of("query", query,
                        "topK", 5, "retriever", "dense")))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return ids(Json.MAPPER.readTree(r.body()));
    }

    static List<String> ids(JsonNode response) {
        List<String> ids = new ArrayList<>();
        response.get("hits").forEach(h -> ids.add(h.get("id").asString()));
        return ids;
    }
}
