package dev.mmsearch.store.opensearch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.opensearch.testcluster.OpenSearchTestCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store contract against a real 2-node OpenSearch 2.19.1 cluster (one JVM per node), collections with 2
 * shards and 1 replica, plus what only this store does.
 */
class OpenSearchStoreContractIT extends CollectionStoreContract {
    static OpenSearchTestCluster cluster;

    @BeforeAll
    static void startCluster() throws IOException {
        cluster = OpenSearchTestCluster.start(2);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static OpenSearchStoreOptions options() {
        return OpenSearchStoreOptions.forHosts(cluster.httpHosts()).withShards(2).withReplicas(1)
                .withRetries(3, Duration.ofMillis(50), Duration.ofMillis(500));
    }

    @Override
    protected CollectionStore openStore() {
        return new OpenSearchCollectionStore(options(), Duration.ofMillis(100));
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url).isEqualTo(200);
        return response.body();
    }

    @Test
    void collectionsAreIndicesWithTwoShardsOneReplicaAndTheStampInMeta() throws Exception {
        OpenSearchCollection collection = (OpenSearchCollection) ingested();
        String index = collection.index();
        assertThat(index).isEqualTo("mmsearch-" + name + ".1");
        assertThat(get(cluster.httpHost(0) + "/" + index + "/_settings?flat_settings=true")).contains(
                "\"index.number_of_shards\":\"2\"", "\"index.number_of_replicas\":\"1\"", "\"index.knn\":\"true\"",
                "\"index.refresh_interval\":\"-1\"", "\"index.translog.durability\":\"request\"");
        assertThat(store.get(name)).as("the same version: equal, for state kept per collection").isEqualTo(collection)
                .hasSameHashCodeAs(collection).isNotSameAs(collection);
        assertThat(get(cluster.httpHost(0) + "/_cluster/health/" + index + "?wait_for_status=green&timeout=30s"))
                .contains("\"status\":\"green\"");
        String shards = get(cluster.httpHost(1) + "/_cat/shards/" + index + "?h=prirep,state,node");
        assertThat(shards.lines().filter(l -> l.contains("STARTED")).count()).as(shards).isEqualTo(4);
        assertThat(shards).contains("node-0").contains("node-1");
        assertThat(get(cluster.httpHost(0) + "/" + index + "/_mapping")).contains("\"modelId\":\"contract-model\"",
                "\"engine\":\"lucene\"", "\"space_type\":\"cosinesimil\"", "\"analyzer\":\"english\"");
        assertThat(get(cluster.httpHost(1) + "/_alias/mmsearch-" + name)).contains(index);
    }

    @Test
    void int8IsRefusedWithAClearMessage() {
        assertError(ErrorCode.INVALID_ARGUMENT, "does not support vector encoding int8",
                () -> store.getOrCreate(name, SCHEMA, STAMP, VectorEncoding.INT8));
        assertThat(store.exists(name)).isFalse();
    }

    @Test
    void anUnreachableClusterIsNotReady() {
        try (OpenSearchCollectionStore dead = new OpenSearchCollectionStore(OpenSearchStoreOptions.forHosts(
                List.of("http://127.0.0.1:1")).withRetries(1, Duration.ofMillis(10), Duration.ofMillis(10)))) {
            assertError(ErrorCode.NOT_READY, "cannot be reached", () -> dead.exists("anything"));
        }
    }
}
