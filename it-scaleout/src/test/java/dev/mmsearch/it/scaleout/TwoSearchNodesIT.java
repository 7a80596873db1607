package dev.mmsearch.it.scaleout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.config.ZooKeeperConfigSource;
import dev.mmsearch.core.Json;
import dev.mmsearch.opensearch.testcluster.OpenSearchTestCluster;
import dev.mmsearch.server.DataDirectory;
import dev.mmsearch.server.EngineOptions;
import dev.mmsearch.server.service.SearchService;
import dev.mmsearch.server.cli.RootCommand;
import dev.mmsearch.server.experiments.ExperimentSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * Two mmsearch search nodes (two Spring apps, each with its own data directory) over one real 2-node OpenSearch
 * cluster and one experiment config node on a real 3-server ZooKeeper ensemble (Curator {@link TestingCluster}).
 * A collection indexed once by the CLI with {@code --opensearch} is served identically by both nodes, and a
 * config change published to ZooKeeper reaches both within 2 s, and an invalid one is rejected by both while they
 * keep serving the last valid version.
 */
class TwoSearchNodesIT {
    private static final Logger log = LoggerFactory.getLogger(TwoSearchNodesIT.class);
    static final String MODEL = "all-MiniLM-L6-v2-q";
    static final String ZK_PATH = "/mmsearch/experiments";
    private final HttpClient http = HttpClient.newHttpClient();

    /** A config whose recall layer serves arm {@code served} to everyone. */
    static String config(String version, String served) {
        return """
                version: "%s"
                scenes:
                  default:
                    layers:
                      - name: recall
                        stage: recall
                        salt: scaleout-test
                        arms:
                          - {name: dense, weight: %d, params: {type: vector, k: 20}}
                          - {name: keyword, weight: %d, params: {type: bm25, k: 20}}
                """.formatted(version, served.equals("dense") ? 100 : 0, served.equals("keyword") ? 100 : 0);
    }

    /** Structurally YAML, but names a stage type that does not exist: every node must reject it. */
    static final String INVALID = """
            version: "broken"
            scenes:
              default:
                layers:
                  - name: recall
                    stage: recall
                    salt: scaleout-test
                    arms:
                      - {name: dense, weight: 100, params: {type: no-such-stage}}
            """;

    private static String cli(String... args) {
        CommandLine commandLine = RootCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        assertThat(code).as("mmsearch " + String.join(" ", args) + "\n" + err).isZero();
        return out.toString();
    }

    private JsonNode search(int port, String query, String user) throws Exception {
        String body = Json.MAPPER.writeValueAsString(Map.of("query", query, "topK", 5, "userId", user));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/api/v1/collections/docs/search")).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Json.MAPPER.readTree(response.body());
    }

    private JsonNode get(int port, String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(200);
        return Json.MAPPER.readTree(response.body());
    }

    private static List<String> hits(JsonNode response) {
        List<String> out = new ArrayList<>();
        response.get("hits").forEach(h -> out.add(h.get("id").asString() + "@"
                + String.format(java.util.Locale.ROOT, "%.4f", h.get("score").asDouble())));
        return out;
    }

    @Test
    void bothNodesServeTheSharedCollectionAndAZooKeeperChangeReachesBothWithin2Seconds(
            @TempDir Path data1, @TempDir Path data2) throws Exception {
        Path input = Path.of(TwoSearchNodesIT.class.getResource("/docs/small.jsonl").toURI());
        // A ZooKeeper peer that cannot bind a port calls System.exit; log instead (the ensemble survives one bad peer).
        org.apache.zookeeper.util.ServiceUtils.setSystemExitProcedure(org.apache.zookeeper.util.ServiceUtils.LOG_ONLY);
        try (OpenSearchTestCluster cluster = OpenSearchTestCluster.start(2);
             TestingCluster zk = new TestingCluster(3)) {
            zk.start();
            List<String> hosts = cluster.httpHosts();
            String indexed = cli("index", "--data-dir", data1.toString(), "-c", "docs", "-i", input.toString(),
                    "--model", MODEL, "--keyword-fields", "topic", "--numeric-fields", "year", "--no-progress",
                    "--threads", "1", "--opensearch", hosts.get(0), "--opensearch", hosts.get(1));
            log.info("indexed through the CLI: {}", indexed.strip());
            assertThat(Files.exists(data1.resolve("collections").resolve("docs")))
                    .as("nothing is written to the embedded store").isFalse();

            try (CuratorFramework client = CuratorFrameworkFactory.newClient(zk.getConnectString(),
                    new RetryOneTime(100))) {
                client.start();
                ZooKeeperConfigSource.publish(client, ZK_PATH, config("s1", "dense"));
                ExperimentSettings experiments = new ExperimentSettings(null, zk.getConnectString(), ZK_PATH);
                // Node 2 reaches the cluster through the other node first: any node of the cluster serves.
                ConfigurableApplicationContext node1 = SearchService.start(new DataDirectory(data1), 0,
                        new EngineOptions(1, 8, List.of(), List.of(), hosts), experiments);
                ConfigurableApplicationContext node2 = null;
                try {
                    node2 = SearchService.start(new DataDirectory(data2), 0,
                            new EngineOptions(1, 8, List.of(), List.of(), List.of(hosts.get(1), hosts.get(0))),
                            experiments);
                    int[] ports = {SearchService.port(node1), SearchService.port(node2)};

                    // The same collection, the same answers, from both nodes.
                    for (int port : ports) {
                        JsonNode collections = get(port, "/api/v1/collections");
                        assertThat(collections.toString()).contains("\"docs\"");
                        assertThat(get(port, "/api/v1/experiments").get("version").asString()).isEqualTo("s1");
                    }
                    assertThat(Files.exists(data2.resolve("collections").resolve("docs"))).isFalse();
                    Map<String, String> expectedTop = Map.of(
                            "how do plants make sugar from light?", "bio-1",
                            "erupting volcano magma", "geo-1",
                            "the rate at which prices rise", "econ-1");
                    for (Map.Entry<String, String> q : expectedTop.entrySet()) {
                        JsonNode a = search(ports[0], q.getKey(), "user-7");
                        JsonNode b = search(ports[1], q.getKey(), "user-7");
                        assertThat(a.get("configVersion").asString()).isEqualTo("s1");
                        assertThat(a.get("arms").get("recall").asString()).isEqualTo("dense");
                        assertThat(b.get("arms").get("recall").asString()).isEqualTo("dense");
                        assertThat(hits(a)).hasSize(5).first().asString().startsWith(q.getValue() + "@");
                        assertThat(hits(b)).as("node 2 answers like node 1 for '%s'", q.getKey())
                                .isEqualTo(hits(a));
                    }

                    // One change in ZooKeeper: both nodes must serve it within 2 s.
                    // Timed from before the write: the nodes' watches may fire before publish() returns.
                    long published = System.nanoTime();
                    ZooKeeperConfigSource.publish(client, ZK_PATH, config("s2", "keyword"));
                    long[] servedAfterMs = {-1, -1};
                    while ((servedAfterMs[0] < 0 || servedAfterMs[1] < 0)
                            && System.nanoTime() - published < 10_000_000_000L) {
                        for (int i = 0; i < 2; i++) {
                            if (servedAfterMs[i] < 0 && "s2".equals(get(ports[i], "/api/v1/experiments")
                                    .get("version").asString())) {
                                servedAfterMs[i] = (System.nanoTime() - published) / 1_000_000;
                            }
                        }
                        Thread.sleep(5);
                    }
                    log.info("config s2 served by node1 after {} ms, node2 after {} ms", servedAfterMs[0],
                            servedAfterMs[1]);
                    assertThat(servedAfterMs[0]).as("ms until node 1 serves s2").isBetween(0L, 2_000L);
                    assertThat(servedAfterMs[1]).as("ms until node 2 serves s2").isBetween(0L, 2_000L);
                    for (int port : ports) {
                        JsonNode r = search(port, "erupting volcano magma", "user-7");
                        assertThat(r.get("configVersion").asString()).isEqualTo("s2");
                        assertThat(r.get("arms").get("recall").asString()).isEqualTo("keyword");
                        assertThat(hits(r).getFirst()).startsWith("geo-1@");
                    }
                    assertThat(hits(search(ports[1], "erupting volcano magma", "user-9")))
                            .isEqualTo(hits(search(ports[0], "erupting volcano magma", "user-9")));

                    // An invalid config written past publish()'s validation: both nodes reject it and keep s2.
                    client.setData().forPath(ZK_PATH, INVALID.getBytes(StandardCharsets.UTF_8));
                    for (int port : ports) {
                        long deadline = System.nanoTime() + 5_000_000_000L;
                        while (get(port, "/api/v1/experiments").get("rejectedReloads").asLong() < 1
                                && System.nanoTime() < deadline) {
                            Thread.sleep(20);
                        }
                        JsonNode state = get(port, "/api/v1/experiments");
                        assertThat(state.get("rejectedReloads").asLong()).as("node on port %d rejected it", port)
                                .isEqualTo(1);
                        assertThat(state.get("version").asString()).isEqualTo("s2");
                        assertThat(search(port, "erupting volcano magma", "user-7").get("configVersion").asString())
                                .isEqualTo("s2");
                    }

                    // A collection nobody created is unknown on every node.
                    HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                    + ports[1] + "/api/v1/collections/nope/search"))
                            .header("content-type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"query\": \"x\"}")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(missing.statusCode()).as(missing.body()).isEqualTo(404);
                    assertThat(Json.MAPPER.readTree(missing.body()).get("code").asString())
                            .isEqualTo("collection_not_found");
                } finally {
                    if (node2 != null) {
                        node2.close();
                    }
                    node1.close();
                }
            }
        }
    }
}
