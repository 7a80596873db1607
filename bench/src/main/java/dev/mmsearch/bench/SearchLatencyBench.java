package dev.mmsearch.bench;

import dev.mmsearch.core.Json;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.server.DataDirectory;
import dev.mmsearch.server.Engine;
import dev.mmsearch.server.EngineOptions;
import dev.mmsearch.server.SearchService;
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
 * Query latency at one client, embedded: for each query, in turn, (1) the raw encoder call,
 * (2) the raw Lucene kNN call with the same vector, (3) the full search over HTTP on loopback.
 * Interleaving puts the three under the same conditions. Reports p50/p99 of each and the
 * overhead ratio server p50 / (encode p50 + kNN p50).
 *
 * <p>Usage: {@code bench/run.sh latency --data-dir DIR --collection scifact --queries FILE [--n 300] [--warmup 30]}
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
        List<String> queries = readQueries(queriesFile, n + warmup);

        ConfigurableApplicationContext context = SearchService.start(dataDir, 0, new EngineOptions(threads, 32));
        try {
            Engine engine = context.getBean(Engine.class);
            SearchCollection collection = engine.store().get(collectionName);
            TextEncoder encoder = engine.encoders().textEncoder(collection.stamp().modelId());
            URI uri = URI.create("http://127.0.0.1:" + SearchService.port(context) + "/api/v1/collections/" + collectionName + "/search");
            HttpClient http = HttpClient.newHttpClient();

            int measured = queries.size() - warmup;
            double[] encode = new double[measured];
            double[] knn = new double[measured];
            double[] server = new double[measured];
            double[] roundTrip = new double[measured];
            for (int i = 0; i < queries.size(); i++) {
                String q = queries.get(i);
                long t0 = System.nanoTime();
                float[] v = encoder.encodeQuery(q);
                long t1 = System.nanoTime();
                collection.vectorSearch(v, 10, 100);
                long t2 = System.nanoTime();
                String body = Json.MAPPER.writeValueAsString(Map.of("query", q, "topK", 10));
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri)
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                long t3 = System.nanoTime();
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("search failed: " + response.statusCode() + " " + response.body());
                }
                if (i >= warmup) {
                    int j = i - warmup;
                    encode[j] = (t1 - t0) / 1e6;
                    knn[j] = (t2 - t1) / 1e6;
                    roundTrip[j] = (t3 - t2) / 1e6;
                    JsonNode json = Json.MAPPER.readTree(response.body());
                    server[j] = json.get("timingsMs").get("total").asDouble();
                }
            }
            Percentiles pe = new Percentiles(encode);
            Percentiles pk = new Percentiles(knn);
            Percentiles ps = new Percentiles(server);
            Percentiles pr = new Percentiles(roundTrip);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("collection", collectionName);
            result.put("documents", collection.count());
            result.put("model", collection.stamp().modelId());
            result.put("queries", measured);
            result.put("cores", Runtime.getRuntime().availableProcessors());
            result.put("encode_ms", Map.of("p50", pe.at(50), "p99", pe.at(99), "mean", pe.mean()));
            result.put("knn_ms", Map.of("p50", pk.at(50), "p99", pk.at(99), "mean", pk.mean()));
            result.put("server_total_ms", Map.of("p50", ps.at(50), "p99", ps.at(99), "mean", ps.mean()));
            result.put("http_round_trip_ms", Map.of("p50", pr.at(50), "p99", pr.at(99), "mean", pr.mean()));
            double ratio = ps.at(50) / (pe.at(50) + pk.at(50));
            result.put("overhead_ratio_p50", ratio);
            String table = String.format(Locale.ROOT, """
                    | measure (1 client, %d queries) | p50 ms | p99 ms |
                    |---|---|---|
                    | raw encode (%s) | %.2f | %.2f |
                    | raw Lucene kNN (k=10, 100 candidates) | %.3f | %.3f |
                    | server-side search total | %.2f | %.2f |
                    | HTTP round trip (loopback) | %.2f | %.2f |
                    | ratio server p50 / (encode p50 + kNN p50) | %.3f | |
                    """, measured, collection.stamp().modelId(), pe.at(50), pe.at(99), pk.at(50), pk.at(99),
                    ps.at(50), ps.at(99), pr.at(50), pr.at(99), ratio);
            // A benchmark's report is its output: stdout is the right place for it.
            System.out.println(table);
            System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        } finally {
            context.close();
        }
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
