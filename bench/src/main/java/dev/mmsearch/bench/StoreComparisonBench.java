package dev.mmsearch.bench;

import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorQuery;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.opensearch.testcluster.OpenSearchTestCluster;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import dev.mmsearch.store.opensearch.OpenSearchCollectionStore;
import dev.mmsearch.store.opensearch.OpenSearchStoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The same data in the embedded Lucene store and in the OpenSearch store (a real cluster booted by
 * {@link OpenSearchTestCluster}, 1 node with 1 shard / 0 replicas and 2 nodes with 2 shards / 1 replica), measured
 * in one run: ingest docs/s (upserts in batches plus the final commit, HNSW graphs included), the primary copy's
 * bytes on disk per document, and, per query, the
 * raw store calls kNN (k=10, 100 candidates) and BM25 (k=10), interleaved query by query. Reports p50/p99 and the
 * ratios OpenSearch / embedded.
 *
 * <p>Data: the SciFact corpus with its bge-small-en-v1.5 vectors, read once from the encoded-corpus cache the
 * ingest module's tests build ({@code target/test-cache/beir-collections/beir-scifact-bge-small-en-v1-5}; read,
 * never written, and closed before the measurements start), and the SciFact queries encoded once up front, so the
 * encoder is not part of any measured time.
 *
 * <p>Usage: {@code bench/run.sh stores [--cache DIR] [--collection NAME] [--models DIR] [--queries FILE]
 * [--limit N] [--n 300] [--warmup 50] [--batch 500] [--setups embedded,opensearch-1,opensearch-2]}.
 * The OpenSearch node JVMs run on the same machine as the benchmark: on a small machine they compete with it
 * for cores, which the ratios include.
 */
public final class StoreComparisonBench {
    private static final CollectionSchema SCHEMA = CollectionSchema.BEIR;

    private record Setup(String label, int nodes, int shards, int replicas) {
    }

    private record Result(Map<String, Object> json, double ingestDocsPerSecond, double diskBytesPerDoc,
                          Percentiles knn, Percentiles bm25, List<List<String>> knnTop) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = SearchLatencyBench.parse(args);
        Path cache = Path.of(opts.getOrDefault("--cache", "target/test-cache/beir-collections"));
        String collectionName = opts.getOrDefault("--collection", "beir-scifact-bge-small-en-v1-5");
        Path models = Path.of(opts.getOrDefault("--models", "target/test-cache/models"));
        Path queriesFile = Path.of(opts.getOrDefault("--queries", "../shared/data/scifact/queries.jsonl"));
        int limit = Integer.parseInt(opts.getOrDefault("--limit", "0"));
        int n = Integer.parseInt(opts.getOrDefault("--n", "300"));
        int warmup = Integer.parseInt(opts.getOrDefault("--warmup", "50"));
        int batch = Integer.parseInt(opts.getOrDefault("--batch", "500"));
        List<String> setupNames = List.of(opts.getOrDefault("--setups", "embedded,opensearch-1,opensearch-2")
                .split(","));

        if (!Files.isDirectory(cache.resolve(collectionName))) {
            throw new IllegalArgumentException("no encoded corpus at " + cache.resolve(collectionName) + "; build it"
                    + " with the ingest module's ScifactQualityIT (./mvnw -pl ingest verify -Dit.test=ScifactQualityIT)"
                    + " or name another Lucene collection with --cache and --collection");
        }
        List<EmbeddedDocument> documents = new ArrayList<>();
        ModelStamp stamp;
        try (LuceneCollectionStore source = new LuceneCollectionStore(cache)) {
            SearchCollection collection = source.get(collectionName);
            stamp = collection.stamp();
            collection.forEachDocument(d -> {
                if (limit <= 0 || documents.size() < limit) {
                    documents.add(d);
                }
            });
        }
        List<String> queries = SearchLatencyBench.readQueries(queriesFile, n + warmup);
        float[][] queryVectors;
        try (ModelRegistry registry = new ModelRegistry(models)) {
            TextEncoder encoder = registry.textEncoder(stamp.modelId());
            queryVectors = new float[queries.size()][];
            for (int from = 0; from < queries.size(); from += 32) {
                float[][] encoded = encoder.encodeQueries(queries.subList(from, Math.min(queries.size(), from + 32)));
                System.arraycopy(encoded, 0, queryVectors, from, encoded.length);
            }
        }

        Map<String, Setup> known = new LinkedHashMap<>();
        known.put("embedded", new Setup("embedded", 0, 1, 0));
        known.put("opensearch-1", new Setup("opensearch-1node-1shard-0replica", 1, 1, 0));
        known.put("opensearch-2", new Setup("opensearch-2nodes-2shards-1replica", 2, 2, 1));
        Map<String, Result> results = new LinkedHashMap<>();
        for (String name : setupNames) {
            Setup setup = known.get(name.strip());
            if (setup == null) {
                throw new IllegalArgumentException("unknown setup '" + name + "'; use " + known.keySet());
            }
            results.put(setup.label(), run(setup, documents, stamp, queries, queryVectors, warmup, batch));
        }

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("data", Map.of("collection", collectionName, "documents", documents.size(), "dimension",
                stamp.dimension(), "model", stamp.modelId(), "queries", queries.size() - warmup, "warmup", warmup,
                "batch", batch));
        out.put("cores", Runtime.getRuntime().availableProcessors());
        Map<String, Object> stores = new LinkedHashMap<>();
        results.forEach((label, r) -> stores.put(label, r.json()));
        out.put("stores", stores);
        Result base = results.get(known.get("embedded").label());
        if (base != null) {
            Map<String, Object> ratios = new LinkedHashMap<>();
            results.forEach((label, r) -> {
                if (r == base) {
                    return;
                }
                Map<String, Object> ratio = new LinkedHashMap<>();
                ratio.put("ingest_docs_per_s", round(r.ingestDocsPerSecond() / base.ingestDocsPerSecond()));
                ratio.put("disk_bytes_per_doc_primary", round(r.diskBytesPerDoc() / base.diskBytesPerDoc()));
                ratio.put("knn_p50", round(r.knn().at(50) / base.knn().at(50)));
                ratio.put("knn_p99", round(r.knn().at(99) / base.knn().at(99)));
                ratio.put("bm25_p50", round(r.bm25().at(50) / base.bm25().at(50)));
                ratio.put("bm25_p99", round(r.bm25().at(99) / base.bm25().at(99)));
                ratio.put("knn_top10_overlap_with_embedded", round(overlap(base.knnTop(), r.knnTop())));
                ratios.put(label + "/embedded", ratio);
            });
            out.put("ratios", ratios);
        }
        // A benchmark's report is its output: stdout is the right place for it.
        System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(out));
    }

    private static Result run(Setup setup, List<EmbeddedDocument> documents, ModelStamp stamp, List<String> queries,
                              float[][] queryVectors, int warmup, int batch) throws Exception {
        Path tmp = Files.createTempDirectory("store-bench-");
        OpenSearchTestCluster cluster = setup.nodes() > 0 ? OpenSearchTestCluster.start(setup.nodes()) : null;
        try (CollectionStore store = cluster == null ? new LuceneCollectionStore(tmp)
                : new OpenSearchCollectionStore(OpenSearchStoreOptions.forHosts(cluster.httpHosts())
                .withShards(setup.shards()).withReplicas(setup.replicas()).withBulkBatchSize(batch))) {
            SearchCollection collection = store.getOrCreate("bench", SCHEMA, stamp);
            long i0 = System.nanoTime();
            for (int from = 0; from < documents.size(); from += batch) {
                collection.upsert(documents.subList(from, Math.min(documents.size(), from + batch)));
            }
            collection.commit();
            double ingestSeconds = (System.nanoTime() - i0) / 1e9;
            if (collection.count() != documents.size()) {
                throw new IllegalStateException(setup.label() + " holds " + collection.count() + " documents after"
                        + " ingesting " + documents.size());
            }
            long diskBytes = cluster == null ? directorySize(tmp) : primaryStoreBytes(cluster.httpHost(0));
            int measured = queries.size() - warmup;
            double[] knn = new double[measured];
            double[] bm25 = new double[measured];
            List<List<String>> knnTop = new ArrayList<>();
            for (int i = 0; i < queries.size(); i++) {
                long t0 = System.nanoTime();
                List<ScoredId> dense = collection.search(VectorQuery.of(queryVectors[i], 10, 100));
                long t1 = System.nanoTime();
                collection.search(TextQuery.of(queries.get(i), 10));
                long t2 = System.nanoTime();
                int j = i - warmup;
                if (j >= 0) {
                    knn[j] = (t1 - t0) / 1e6;
                    bm25[j] = (t2 - t1) / 1e6;
                    knnTop.add(dense.stream().map(ScoredId::id).toList());
                }
            }
            Percentiles knnP = new Percentiles(knn);
            Percentiles bm25P = new Percentiles(bm25);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("nodes", setup.nodes());
            json.put("shards", setup.shards());
            json.put("replicas", setup.replicas());
            json.put("ingest_seconds", round(ingestSeconds));
            json.put("ingest_docs_per_s", round(documents.size() / ingestSeconds));
            json.put("disk_bytes_per_doc_primary", round((double) diskBytes / documents.size()));
            json.put("knn_ms", summary(knnP));
            json.put("bm25_ms", summary(bm25P));
            return new Result(json, documents.size() / ingestSeconds, (double) diskBytes / documents.size(), knnP,
                    bm25P, knnTop);
        } finally {
            if (cluster != null) {
                cluster.close();
            }
            deleteRecursively(tmp);
        }
    }

    private static Map<String, Object> summary(Percentiles p) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("p50", round(p.at(50)));
        out.put("p99", round(p.at(99)));
        out.put("mean", round(p.mean()));
        return out;
    }

    /** Bytes of every file under {@code dir}. */
    private static long directorySize(Path dir) throws java.io.IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /**
     * Bytes of the primary shards' segments of the benchmark's indices ({@code _cat/segments}, read from the segment
     * infos; {@code _cat/indices} store sizes are cached for seconds and lag a fresh index).
     */
    private static long primaryStoreBytes(String host) throws Exception {
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(host
                        + "/_cat/segments/mmsearch-bench.*?bytes=b&h=prirep,size")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("segment sizes unavailable: " + response.statusCode() + " "
                    + response.body());
        }
        return response.body().lines().map(String::strip).filter(l -> l.startsWith("p "))
                .mapToLong(l -> Long.parseLong(l.substring(2).strip())).sum();
    }

    /** Mean share of the embedded store's top-10 ids that the other store also returns in its top 10. */
    private static double overlap(List<List<String>> base, List<List<String>> other) {
        double sum = 0;
        for (int i = 0; i < base.size(); i++) {
            Set<String> expected = new HashSet<>(base.get(i));
            sum += other.get(i).stream().filter(expected::contains).count() / (double) Math.max(1, expected.size());
        }
        return base.isEmpty() ? 0 : sum / base.size();
    }

    private static double round(double value) {
        return Double.parseDouble(String.format(Locale.ROOT, "%.3f", value));
    }

    private static void deleteRecursively(Path root) throws java.io.IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
