package dev.mmsearch.bench;

import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorQuery;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.server.DataDirectory;
import dev.mmsearch.server.Engine;
import dev.mmsearch.server.EngineOptions;
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
import java.util.Locale;
import java.util.Map;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Query latency at one client, embedded. For each query, in turn: the raw encoder call, the raw
 * Lucene kNN call (k=10, 100 candidates) and the raw BM25 call with the same inputs, then the
 * full search over HTTP on loopback once per recall arm (forced with {@code retriever}). The
 * interleaving puts all of them under the same conditions. Reports p50/p99 and the ratios
 * server p50 / (raw encode p50 + raw kNN p50) for the dense arm and
 * server p50 / (raw encode + raw kNN + raw BM25) for the hybrid arm.
 *
 * <p>Usage: {@code bench/run.sh latency --data-dir DIR --collection scifact --queries FILE [--n 300] [--warmup 30]
 * [--arms dense,hybrid] [--summary plain|highlight]}. The server's {@code recall} stage time includes the query encoding.
 */
public final class SearchLatencyBench {

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        DataDirectory dataDir = new DataDirectory(Path.of(opts.getOrDefault("--data-dir", DataDirectory.defaultLocation().root().toString())));
        String collectionName = opts.getOrDefault("--collection", "scifact");
        Path queriesFile = Path.of(opts.getOrDefault("--queries", "../shared/data/scifact/queries.jsonl"));
        int n = Integer.parseInt(opts.getOrDefault("--n", "300"));
        int warmup = Integer.parseInt(opts.getOrDefault("--warmup", "30"));
        int threads = Integer.parseInt(opts.getOrDefault("--threads", "0"));
        List<String> arms = List.of(opts.getOrDefault("--arms", "dense,hybrid").split(","));
        // Summary arm forced for every request ("plain" = stored fields without highlighting); "" = the config's choice.
        String summaryArm = opts.getOrDefault("--summary", "plain");
        List<String> queries = readQueries(queriesFile, n + warmup);
        Measured m = measure(dataDir, collectionName, queries, warmup, threads, arms, summaryArm);
        // A benchmark's report is its output: stdout is the right place for it.
        System.out.println(m.table());
        System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(m.json()));
    }

    /**
     * What {@link #measure} found: the percentiles per measure ({@code encode}, {@code knn}, {@code bm25}, and
     * {@code ARM.server}, {@code ARM.roundtrip}, {@code ARM.STAGE} per arm), the markdown table and the JSON report.
     */
    record Measured(Map<String, Percentiles> percentiles, String table, Map<String, Object> json) {
        /** encode p50 + kNN p50 (+ BM25 p50 for hybrid; BM25 alone for bm25): what the arm's pipeline is held to. */
        double rawParts(String arm) {
            double dense = percentiles.get("encode").at(50) + percentiles.get("knn").at(50);
            return arm.equals("hybrid") ? dense + percentiles.get("bm25").at(50)
                    : arm.equals("bm25") ? percentiles.get("bm25").at(50) : dense;
        }
    }

    /**
     * Starts the search service in this process on {@code dataDir} and measures, query by query (the first
     * {@code warmup} not counted), the raw encode, kNN and BM25 calls and the full search over HTTP per arm.
     */
    static Measured measure(DataDirectory dataDir, String collectionName, List<String> queries, int warmup,
                            int threads, List<String> arms, String summaryArm) throws Exception {
        if (queries.size() <= warmup) {
            throw new IllegalArgumentException("need more queries than the " + warmup + " of the warm-up, got "
                    + queries.size());
        }
        ConfigurableApplicationContext context = SearchService.start(dataDir, 0, new EngineOptions(threads, 32));
        try {
            Engine engine = context.getBean(Engine.class);
            SearchCollection collection = engine.store().get(collectionName);
            TextEncoder encoder = engine.encoders().textEncoder(collection.stamp().modelId());
            URI uri = URI.create("http://127.0.0.1:" + SearchService.port(context) + "/api/v1/collections/" + collectionName + "/search");
            HttpClient http = HttpClient.newHttpClient();

            int measured = queries.size() - warmup;
            Map<String, double[]> samples = new LinkedHashMap<>();
            for (String name : List.of("encode", "knn", "bm25")) {
                samples.put(name, new double[measured]);
            }
            for (String arm : arms) {
                for (String what : List.of("server", "roundtrip", "encode", "recall", "rank", "summary")) {
                    samples.put(arm + "." + what, new double[measured]);
                }
            }
            for (int i = 0; i < queries.size(); i++) {
                String q = queries.get(i);
                int j = i - warmup;
                long t0 = System.nanoTime();
                float[] v = encoder.encodeQuery(q);
                long t1 = System.nanoTime();
                collection.search(VectorQuery.of(v, 10, 100));
                long t2 = System.nanoTime();
                collection.search(TextQuery.of(q, 10));
                long t3 = System.nanoTime();
                if (j >= 0) {
                    samples.get("encode")[j] = (t1 - t0) / 1e6;
                    samples.get("knn")[j] = (t2 - t1) / 1e6;
                    samples.get("bm25")[j] = (t3 - t2) / 1e6;
                }
                for (String arm : arms) {
                    Map<String, Object> request = new LinkedHashMap<>(Map.of("query", q, "topK", 10, "retriever", arm));
                    if (!summaryArm.isEmpty()) {
                        request.put("forceArms", Map.of("summary", summaryArm));
                    }
                    String body = Json.MAPPER.writeValueAsString(request);
                    long s0 = System.nanoTime();
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri)
                            .header("content-type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                    long s1 = System.nanoTime();
                    if (response.statusCode() != 200) {
                        throw new IllegalStateException("search failed: " + response.statusCode() + " " + response.body());
                    }
                    if (j >= 0) {
                        JsonNode timings = Json.MAPPER.readTree(response.body()).get("timingsMs");
                        samples.get(arm + ".roundtrip")[j] = (s1 - s0) / 1e6;
                        samples.get(arm + ".server")[j] = timings.get("total").asDouble();
                        for (String stage : List.of("encode", "recall", "rank", "summary")) {
                            samples.get(arm + "." + stage)[j] = timings.has(stage) ? timings.get(stage).asDouble() : 0;
                        }
                    }
                }
            }
            Map<String, Percentiles> p = new LinkedHashMap<>();
            samples.forEach((k, v) -> p.put(k, new Percentiles(v)));
            StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
                    "| measure (1 client, %d queries, %s, %d docs, summary arm '%s') | p50 ms | p99 ms |%n|---|---|---|%n",
                    measured, collection.stamp().modelId(), collection.count(), summaryArm));
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("queries", measured);
            result.put("cores", Runtime.getRuntime().availableProcessors());
            p.forEach((k, v) -> {
                table.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f |%n", label(k), v.at(50), v.at(99)));
                result.put(k + "_ms", Map.of("p50", v.at(50), "p99", v.at(99), "mean", v.mean()));
            });
            double rawDense = p.get("encode").at(50) + p.get("knn").at(50);
            double rawHybrid = rawDense + p.get("bm25").at(50);
            for (String arm : arms) {
                double raw = arm.equals("hybrid") ? rawHybrid : arm.equals("bm25") ? p.get("bm25").at(50) : rawDense;
                double ratio = p.get(arm + ".server").at(50) / raw;
                table.append(String.format(Locale.ROOT, "| ratio %s server p50 / raw parts p50 (%.2f ms) | %.3f | |%n", arm, raw, ratio));
                result.put(arm + "_overhead_ratio_p50", ratio);
            }
            return new Measured(p, table.toString(), result);
        } finally {
            context.close();
        }
    }

    private static String label(String key) {
        return switch (key) {
            case "encode" -> "raw encode";
            case "knn" -> "raw Lucene kNN (k=10, 100 candidates)";
            case "bm25" -> "raw Lucene BM25 (k=10)";
            default -> key.endsWith(".server") ? key.replace(".server", "") + " arm: server-side total"
                    : key.endsWith(".roundtrip") ? key.replace(".roundtrip", "") + " arm: HTTP round trip"
                    : key.replace(".", " arm: server ") + " stage";
        };
    }

    static List<String> readQueries(Path file, int limit) throws Exception {
        List<String> queries = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null && queries.size() < limit) {
                if (!line.isBlank()) {
                    queries.add(Json.MAPPER.readTree(line).get("text").asString());
                }
            }
        }
        return queries;
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i], args[i + 1]);
        }
        return opts;
    }
}
