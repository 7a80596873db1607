package dev.mmsearch.opensearch.testcluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Boots a real 2-node cluster and checks what the store tests rely on. */
class OpenSearchTestClusterIT {
    private final HttpClient http = HttpClient.newHttpClient();

    private String get(String url) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + " -> " + response.body()).isEqualTo(200);
        return response.body();
    }

    @Test
    void twoNodesFormAGreenClusterWithKnnAndSurviveLosingTheNonManagerNode() throws Exception {
        Path root;
        try (OpenSearchTestCluster cluster = OpenSearchTestCluster.start(2)) {
            assertThat(cluster.httpHosts()).hasSize(2).allMatch(h -> h.startsWith("http://127.0.0.1:"));
            String health = get(cluster.httpHost(1) + "/_cluster/health");
            assertThat(health).contains("\"status\":\"green\"").contains("\"number_of_nodes\":2");
            String plugins = get(cluster.httpHost(0) + "/_cat/plugins?h=component");
            assertThat(plugins).contains("org.opensearch.knn.plugin.KNNPlugin").contains("PainlessPlugin").contains("CommonAnalysisPlugin")
                    .contains("Netty4Plugin");
            assertThat(get(cluster.httpHost(0) + "/")).contains("\"number\" : \"2.19.1\"");
            root = Path.of(get(cluster.httpHost(0) + "/_nodes/node-0/settings?filter_path=**.path.home")
                    .replaceAll(".*\"home\":\"([^\"]+)\".*", "$1")).getParent();
            assertThat(root).exists();

            int manager = cluster.clusterManagerIndex();
            assertThat(manager).isBetween(0, 1);
            int victim = 1 - manager; // the elected manager is the only voting node of two
            cluster.killNode(victim);
            assertThat(cluster.isRunning(victim)).isFalse();
            assertThat(cluster.isRunning(manager)).isTrue();
            cluster.waitForHealth("yellow", 1, Duration.ofSeconds(60));
            cluster.restartNode(victim);
            cluster.waitForHealth("green", 2, Duration.ofSeconds(90));
        }
        assertThat(Files.exists(root)).as("the cluster directory is deleted on close").isFalse();
    }
}
