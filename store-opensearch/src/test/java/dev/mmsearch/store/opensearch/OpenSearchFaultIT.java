package dev.mmsearch.store.opensearch;

import dev.mmsearch.core.VectorQuery;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.VectorSimilarity;
import dev.mmsearch.opensearch.testcluster.OpenSearchTestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Losing a node of a real 2-node cluster (collection with 2 shards, 1 replica) while a search loop runs: the node
 * that is not the elected cluster manager is killed with SIGKILL (with only two manager-eligible nodes the voting
 * configuration holds one of them, so losing the elected one would stop the cluster: production needs three).
 * Searches (each checking that the query document is the top hit) must succeed again once the cluster has
 * reacted, writes during the outage must succeed, and after the node returns no document may be lost, also on the
 * returned node's own shard copies.
 */
class OpenSearchFaultIT {
    private static final Logger log = LoggerFactory.getLogger(OpenSearchFaultIT.class);
    private static final int DIM = 16;
    private static final ModelStamp STAMP = new ModelStamp("fault-model", "ab".repeat(32), DIM,
            VectorSimilarity.COSINE);
    private static final CollectionSchema SCHEMA = new CollectionSchema("{text}", List.of("text"), List.of("part"),
            List.of(), null);

    private record Outcome(long atNanos, boolean ok, String problem, long tookNanos) {
    }

    private static List<EmbeddedDocument> documents(int from, int count, Random random) {
        List<EmbeddedDocument> out = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            out.add(new EmbeddedDocument(new Document("doc" + i, Map.of("text", "document " + i, "part",
                    i < 1000 ? "before" : "during")), CollectionStoreContract.unitVector(random)));
        }
        return out;
    }

    private static String get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                .body().strip();
    }

    @Test
    void searchesRecoverAfterANodeIsKilledAndNoDocumentIsLost() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (OpenSearchTestCluster cluster = OpenSearchTestCluster.start(2);
             OpenSearchCollectionStore store = new OpenSearchCollectionStore(OpenSearchStoreOptions
                     .forHosts(cluster.httpHosts()).withShards(2).withReplicas(1)
                     .withRetries(3, Duration.ofMillis(100), Duration.ofSeconds(1)))) {
            Random random = new Random(11);
            List<EmbeddedDocument> before = documents(0, 1000, random);
            SearchCollection collection = store.getOrCreate("fault", SCHEMA, STAMP);
            collection.upsert(before);
            collection.commit();
            assertThat(collection.count()).isEqualTo(1000);

            int managerIndex = cluster.clusterManagerIndex();
            String manager = cluster.nodeName(managerIndex);
            int victim = 1 - managerIndex;
            String victimName = cluster.nodeName(victim);
            String shards = get(http, cluster.httpHost(0) + "/_cat/shards/" + ((OpenSearchCollection) collection).index()
                    + "?h=shard,prirep,node");
            assertThat(shards).as("the victim holds shard copies").contains(victimName);

            List<Outcome> outcomes = new CopyOnWriteArrayList<>();
            AtomicBoolean running = new AtomicBoolean(true);
            Thread loop = new Thread(() -> {
                Random pick = new Random(5);
                while (running.get()) {
                    EmbeddedDocument query = before.get(pick.nextInt(before.size()));
                    long start = System.nanoTime();
                    try {
                        List<ScoredId> hits = collection.search(VectorQuery.of(query.vector(), 10, 50));
                        boolean ok = hits.size() == 10 && hits.getFirst().id().equals(query.id());
                        outcomes.add(new Outcome(start, ok, ok ? null : "wrong hits " + hits, System.nanoTime() - start));
                    } catch (RuntimeException e) {
                        outcomes.add(new Outcome(start, false, e.getMessage(), System.nanoTime() - start));
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "search-loop");
            loop.start();
            Thread.sleep(1000);
            long killedAt = System.nanoTime();
            cluster.killNode(victim);
            java.util.concurrent.atomic.AtomicLong nodeLeftAfterMs = new java.util.concurrent.atomic.AtomicLong(-1);
            Thread watcher = new Thread(() -> {
                try {
                    cluster.waitForHealth("yellow", 1, Duration.ofSeconds(60));
                    nodeLeftAfterMs.set((System.nanoTime() - killedAt) / 1_000_000);
                } catch (java.io.IOException e) {
                    log.warn("the cluster did not drop the killed node: {}", e.getMessage());
                }
            }, "health-watcher");
            watcher.start();
            log.info("killed {} (manager is {}) while searching", victimName, manager);

            // Writes during the outage go to the surviving copies (replicas promoted to primaries).
            List<EmbeddedDocument> during = documents(1000, 200, random);
            collection.upsert(during);
            collection.commit();
            long writtenAt = System.nanoTime();
            Thread.sleep(8000);
            running.set(false);
            loop.join();
            watcher.join();
            assertThat(nodeLeftAfterMs.get()).as("the cluster noticed the lost node").isBetween(0L, 60_000L);

            long lastFailure = outcomes.stream().filter(o -> !o.ok()).mapToLong(Outcome::atNanos).max().orElse(killedAt);
            long failures = outcomes.stream().filter(o -> !o.ok()).count();
            long afterKill = outcomes.stream().filter(o -> o.atNanos() > killedAt).count();
            double windowMs = (lastFailure - killedAt) / 1e6;
            double slowestAfterKillMs = outcomes.stream().filter(o -> o.atNanos() + o.tookNanos() > killedAt)
                    .mapToLong(Outcome::tookNanos).max().orElse(0) / 1e6;
            double slowestBeforeKillMs = outcomes.stream().filter(o -> o.atNanos() + o.tookNanos() <= killedAt)
                    .mapToLong(Outcome::tookNanos).max().orElse(0) / 1e6;
            log.info("fault window: searches={} afterKill={} failed={} lastFailureAfterKill={}ms slowestSearch before={}ms"
                            + " after={}ms writesDoneAfter={}ms nodeLeftAfter={}ms problems={}", outcomes.size(), afterKill, failures,
                    String.format("%.0f", windowMs), String.format("%.0f", slowestBeforeKillMs),
                    String.format("%.0f", slowestAfterKillMs),
                    (writtenAt - killedAt) / 1_000_000, nodeLeftAfterMs.get(),
                    outcomes.stream().filter(o -> !o.ok()).map(Outcome::problem).distinct().limit(3).toList());
            long okAfterWindow = outcomes.stream().filter(o -> o.ok() && o.atNanos() > lastFailure).count();
            assertThat(okAfterWindow).as("searches after the cluster reacted all succeed").isGreaterThan(50);
            assertThat(windowMs).as("the cluster reacts within 30 s").isLessThan(30_000);
            assertThat(collection.count()).isEqualTo(1200);

            long restartAt = System.nanoTime();
            cluster.restartNode(victim);
            cluster.waitForHealth("green", 2, Duration.ofSeconds(120));
            log.info("node {} back and cluster green after {} ms", victimName, (System.nanoTime() - restartAt) / 1_000_000);

            assertThat(collection.count()).isEqualTo(1200);
            Set<String> ids = new HashSet<>();
            collection.forEachDocument(d -> ids.add(d.id()));
            assertThat(ids).hasSize(1200).contains("doc0", "doc999", "doc1000", "doc1199");
            String index = ((OpenSearchCollection) collection).index();
            String onReturned = get(http, cluster.httpHost(0) + "/" + index + "/_count?preference=_only_nodes:"
                    + victimName);
            assertThat(onReturned).as("the returned node's copies hold every document").contains("\"count\":1200");
            for (EmbeddedDocument doc : List.of(before.get(3), during.get(7))) {
                assertThat(collection.search(VectorQuery.of(doc.vector(), 1, 20)).getFirst().id()).isEqualTo(doc.id());
            }
        }
    }
}
