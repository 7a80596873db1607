package dev.mmsearch.bench;

import dev.mmsearch.core.Json;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.ingest.BeirDataset;
import dev.mmsearch.ingest.DocumentSource;
import dev.mmsearch.ingest.IndexOptions;
import dev.mmsearch.ingest.IndexProgress;
import dev.mmsearch.ingest.IndexSummary;
import dev.mmsearch.ingest.Indexer;
import dev.mmsearch.ingest.JsonlSource;
import dev.mmsearch.ingest.SourceDocument;
import dev.mmsearch.server.DataDirectory;
import dev.mmsearch.server.Engine;
import dev.mmsearch.server.EngineOptions;
import dev.mmsearch.server.experiments.ExperimentSettings;
import dev.mmsearch.server.security.ApiKeys;
import dev.mmsearch.server.service.SearchService;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * The online write API ({@code /api/v1/collections/{name}/documents}) on a server started in this process, with the
 * same model and the same documents (the first {@code --limit} SciFact abstracts, each given a keyword field
 * {@code topic}) throughout one run:
 * <ol>
 *   <li>(a) ingest: the bulk API (NDJSON bodies of {@code --bulk-size} documents, {@code --bulk-clients} clients)
 *       against {@link Indexer#index} of the same documents written as a JSONL file (the {@code mmsearch index}
 *       path, in this JVM, with the server's encoder) into a collection of the same schema: docs/s and the ratio;</li>
 *   <li>(b) single-document writes ({@code PUT .../documents/{id}}) from {@code --clients} clients for
 *       {@code --seconds}: docs/s and acknowledgement latency p50/p99 (a 2xx is durable and searchable);</li>
 *   <li>(c) search (the default hybrid, 1 client, the SciFact queries) while (b) runs against the same search on
 *       the idle server: p50/p99 and the ratio;</li>
 *   <li>(d) a keyword-field {@code PATCH} of {@code --patch} documents ({@code --patch-clients} clients, default
 *       {@code --clients}; the stored vector
 *       is kept) against re-embedding the same documents (bulk upsert with changed text): docs/s and the speedup;</li>
 *   <li>micro-batching: (b) on two more servers in this JVM, {@code mmsearch.write.micro-batch=false} and
 *       {@code true}, in alternating windows of {@code --seconds} ({@code --compare-micro-batch} rounds, the order
 *       swapped every round; 0, the default, = skip). The property was in the server at commit a5caf62 only (the
 *       micro-batching was left out: docs/benchmarks.md, "Online writes"); on a server without it the two are the
 *       same, and the comparison is an A/A control of the machine's noise.</li>
 * </ol>
 * The load generator shares the machine's cores (and this JVM) with the server.
 *
 * <p>Usage: {@code bench/run.sh write [--corpus ../shared/data/scifact/corpus.jsonl] [--queries FILE] [--limit 2000]
 * [--model all-MiniLM-L6-v2-q] [--threads 0] [--batch-size 32] [--bulk-size 256] [--bulk-clients 2] [--clients 8]
 * [--seconds 20] [--patch 1000] [--patch-clients 8] [--compare-micro-batch 0] [--micro-batch true]
 * [--data-dir target/write-bench] [--models target/test-cache/models] [--out FILE] [--max-chars 0]
 * [--compare-only false]}. {@code --compare-only true}
 * runs only the micro-batching comparison (and a patch run on its first collection); {@code --max-chars N} cuts each
 * text to N characters (short documents). Prints a Markdown table and a JSON summary and writes both to
 * {@code --out} (default {@code DATA_DIR/results.md}).
 */
public final class WriteBench {
    private static final String BULK = "w-bulk";
    private static final String INDEXED = "w-index";

    private WriteBench() {
    }

    /** One measured phase: completed operations, failures, wall seconds and per-operation latencies. */
    record Phase(String name, long ok, long errors, double seconds, Percentiles latency) {
        double rate() {
            return ok / seconds;
        }
    }

    /** A server in this process with an admin key, and an HTTP client for it. */
    /** {@code --write-embeds}: the servers' {@code mmsearch.write.max-concurrent-embeds} (default 1; 0 = no bound). */
    static volatile int writeEmbeds = 1;

    record Server(ConfigurableApplicationContext context, Engine engine, URI base, String key, HttpClient http)
            implements AutoCloseable {

        static Server start(Path root, Path modelCache, String modelId, EngineOptions options, boolean microBatch)
                throws Exception {
            DataDirectory dataDir = new DataDirectory(root);
            Files.createDirectories(dataDir.models());
            Path model = dataDir.models().resolve(modelId);
            if (!Files.exists(model) && Files.exists(modelCache.resolve(modelId))) {
                Files.createSymbolicLink(model, modelCache.resolve(modelId).toAbsolutePath());
            }
            String key = ApiKeys.add(root.resolve(ApiKeys.DEFAULT_FILE_NAME), "bench");
            ConfigurableApplicationContext context = SearchService.start(dataDir, 0, options,
                    ExperimentSettings.DEFAULTS, Map.of("mmsearch.security.rate-limit.per-second", "0",
                            "mmsearch.write.micro-batch", Boolean.toString(microBatch),
                            "mmsearch.write.max-concurrent-embeds", String.valueOf(writeEmbeds)));
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
            return new Server(context, context.getBean(Engine.class),
                    URI.create("http://127.0.0.1:" + SearchService.port(context)), key, http);
        }

        HttpResponse<String> send(String method, String path, String contentType, String body) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(120))
                    .header("Authorization", "Bearer " + key)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            if (contentType != null) {
                request.header("content-type", contentType);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }

        void create(String collection, String modelId) throws Exception {
            HttpResponse<String> r = send("PUT", "/api/v1/collections/" + collection, "application/json",
                    "{\"model\": \"" + modelId + "\", \"textFields\": [\"title\", \"text\"],"
                            + " \"keywordFields\": [\"topic\"]}");
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("creating " + collection + ": " + r.statusCode() + " " + r.body());
            }
        }

        @Override
        public void close() {
            context.close();
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = SearchLatencyBench.parse(args);
        Path out = run(opts);
        System.out.println("written to " + out);
    }

    /** Runs the benchmark with {@code opts} (as on the command line), prints the report and returns its file. */
    static Path run(Map<String, String> opts) throws Exception {
        Path corpus = Path.of(opts.getOrDefault("--corpus", "../shared/data/scifact/corpus.jsonl"));
        Path queriesFile = Path.of(opts.getOrDefault("--queries", "../shared/data/scifact/queries.jsonl"));
        int limit = Integer.parseInt(opts.getOrDefault("--limit", "2000"));
        String modelId = opts.getOrDefault("--model", "all-MiniLM-L6-v2-q");
        int threads = Integer.parseInt(opts.getOrDefault("--threads", "0"));
        int batchSize = Integer.parseInt(opts.getOrDefault("--batch-size", "32"));
        int bulkSize = Integer.parseInt(opts.getOrDefault("--bulk-size", "256"));
        int bulkClients = Integer.parseInt(opts.getOrDefault("--bulk-clients", "2"));
        int clients = Integer.parseInt(opts.getOrDefault("--clients", "8"));
        double seconds = Double.parseDouble(opts.getOrDefault("--seconds", "20"));
        int patchCount = Integer.parseInt(opts.getOrDefault("--patch", "1000"));
        int patchClients = Integer.parseInt(opts.getOrDefault("--patch-clients", String.valueOf(clients)));
        int rounds = Integer.parseInt(opts.getOrDefault("--compare-micro-batch", "0"));
        boolean microBatch = Boolean.parseBoolean(opts.getOrDefault("--micro-batch", "true"));
        writeEmbeds = Integer.parseInt(opts.getOrDefault("--write-embeds", "1"));
        boolean compareOnly = Boolean.parseBoolean(opts.getOrDefault("--compare-only", "false"));
        int maxChars = Integer.parseInt(opts.getOrDefault("--max-chars", "0"));
        Path root = Path.of(opts.getOrDefault("--data-dir", "target/write-bench"));
        Path modelCache = Path.of(opts.getOrDefault("--models", "target/test-cache/models"));
        Path outFile = Path.of(opts.getOrDefault("--out", root.resolve("results.md").toString()));
        EngineOptions engineOptions = new EngineOptions(threads, batchSize);

        List<Map<String, Object>> docs = readDocuments(corpus, limit, maxChars);
        List<String> queries = SearchLatencyBench.readQueries(queriesFile, 100_000);
        Files.createDirectories(root);
        Path work = Files.createTempDirectory(root, "run-");
        Path jsonl = work.resolve("slice.jsonl");
        Files.write(jsonl, docs.stream().map(WriteBench::line).toList(), StandardCharsets.UTF_8);
        int patchN = Math.min(patchCount, docs.size());

        Map<String, Phase> phases = new LinkedHashMap<>();
        double loadBefore = load();
        long t0 = System.nanoTime();
        if (!compareOnly) {
            try (Server server = Server.start(work.resolve("main"), modelCache, modelId, engineOptions, microBatch)) {
                server.create(BULK, modelId);
                server.create(INDEXED, modelId);
                server.create("w-warm", modelId);
                TextEncoder encoder = server.engine().encoders().textEncoder(modelId);
                // Warm-up (not measured): the encoder's first calls, the write path, the search path.
                bulk(server, "w-warm", docs.subList(0, Math.min(docs.size(), 2 * batchSize)), bulkSize, bulkClients);
                singles(server, "w-warm", docs.subList(0, Math.min(docs.size(), 2 * clients)), clients, 5, null);

                // (a) the Indexer (mmsearch index) and the bulk API, same documents, same encoder.
                long i0 = System.nanoTime();
                IndexSummary summary = Indexer.index(jsonl, server.engine().store().get(INDEXED), encoder, null,
                        IndexOptions.defaults().withBatchSize(batchSize), IndexProgress.NONE, work.resolve("reports"));
                double indexSeconds = (System.nanoTime() - i0) / 1e9;
                if (summary.indexed() != docs.size()) {
                    throw new IllegalStateException("the Indexer wrote " + summary.toLine() + " of " + docs.size());
                }
                phases.put("index", new Phase("mmsearch index (Indexer, in-process)", summary.indexed(), 0, indexSeconds,
                        new Percentiles(new double[] {indexSeconds * 1e3})));
                phases.put("bulk", bulk(server, BULK, docs, bulkSize, bulkClients));

                // (b) single-document writes; (c) searches idle, then while (b) runs.
                phases.put("single", singles(server, BULK, docs, clients, seconds, null));
                searches(server, BULK, queries, Math.min(5, seconds), null); // warm-up
                phases.put("searchIdle", searches(server, BULK, queries, seconds, null));
                AtomicBoolean stop = new AtomicBoolean();
                Phase[] during = new Phase[1];
                Thread writers = Thread.ofPlatform().start(() -> {
                    try {
                        during[0] = singles(server, BULK, docs, clients, seconds * 10, stop);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                phases.put("searchWriting", searches(server, BULK, queries, seconds, null));
                stop.set(true);
                writers.join();
                phases.put("singleWhileSearching", during[0]);

                // (d) keyword patch of patchN documents vs re-embedding them (changed text, bulk API).
                List<Map<String, Object>> patched = docs.subList(0, patchN);
                phases.put("patch", patches(server, BULK, patched, patchClients));
                // The same keyword change as one bulk merge (?merge=true, Elasticsearch's bulk update) per body.
                List<Map<String, Object>> merges = patched.stream().map(d -> {
                    Map<String, Object> change = new LinkedHashMap<>();
                    change.put("id", d.get("id"));
                    change.put("topic", "merged");
                    return change;
                }).toList();
                phases.put("merge", bulkTo(server, "/api/v1/collections/" + BULK + "/documents?merge=true", merges,
                        bulkSize, bulkClients));
                List<Map<String, Object>> changed = patched.stream().map(d -> {
                    Map<String, Object> copy = new LinkedHashMap<>(d);
                    copy.put("text", d.get("text") + " (revised)");
                    return copy;
                }).toList();
                phases.put("reembed", bulk(server, BULK, changed, bulkSize, bulkClients));
            }
        }

        // Micro-batching: two servers in this JVM, one per setting, both warm; (b) runs in windows of --seconds on one
        // and then the other, the order swapped every round (ABBA...), so both see the same machine load.
        if (rounds > 0) {
            try (Server off = Server.start(work.resolve("mb-off"), modelCache, modelId, engineOptions, false);
                 Server on = Server.start(work.resolve("mb-on"), modelCache, modelId, engineOptions, true)) {
                for (Server server : List.of(off, on)) {
                    server.create(BULK, modelId);
                    singles(server, BULK, docs.subList(0, Math.min(docs.size(), 4 * clients)), clients, 3, null);
                }
                for (int round = 0; round < rounds; round++) {
                    for (boolean mb : round % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                        phases.put("single-mb-" + mb + "-" + round, singles(mb ? on : off, BULK, docs, clients,
                                seconds, null));
                    }
                }
                if (compareOnly) {
                    // The patch of (d) on a young collection (the documents just written, no bulk load): 1 client
                    // (the cost of one acknowledgement) and --clients clients.
                    int written = (int) Math.min(docs.size(), phases.get("single-mb-false-0").ok());
                    List<Map<String, Object>> young = docs.subList(0, Math.min(written, patchN));
                    phases.put("patchFresh1", patches(off, BULK, young.subList(0, Math.min(50, young.size())), 1));
                    phases.put("patchFresh", patches(off, BULK, young, clients));
                }
            }
        }
        double loadAfter = load();
        String report = report(phases, opts, docs.size(), patchN, modelId, engineOptions, bulkSize, bulkClients,
                clients, patchClients, seconds, rounds, microBatch, loadBefore, loadAfter, (System.nanoTime() - t0) / 1e9);
        // A benchmark's report is its output: stdout is the right place for it.
        System.out.println(report);
        Files.createDirectories(outFile.toAbsolutePath().getParent());
        Files.writeString(outFile, report, StandardCharsets.UTF_8);
        deleteTree(work);
        return outFile;
    }

    private static String report(Map<String, Phase> p, Map<String, String> opts, int n, int patchN, String modelId,
                                 EngineOptions options, int bulkSize, int bulkClients, int clients,
                                 int patchClients, double seconds,
                                 int rounds, boolean microBatch, double loadBefore, double loadAfter, double total)
            throws Exception {
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "WriteBench %s: %d SciFact docs, model %s, %d cores, intra-op threads %d,"
                        + " encoder batch %d, mmsearch.write.max-concurrent-embeds=%d on the (a)-(d) server; load average"
                        + " %.2f before, %.2f after; %.0f s%n%n",
                opts, n, modelId, Runtime.getRuntime().availableProcessors(), options.effectiveThreads(),
                options.batchSize(), writeEmbeds, loadBefore, loadAfter, total));
        t.append("| measure | docs or queries | seconds | per second | p50 ms | p99 ms | errors |\n");
        t.append("|---|---|---|---|---|---|---|\n");
        Phase index = p.get("index");
        if (index != null) {
            t.append(String.format(Locale.ROOT, "| (a) mmsearch index (Indexer, same JVM and encoder) | %d | %.1f | %.1f | | | 0 |%n",
                    index.ok(), index.seconds(), index.rate()));
            row(t, "(a) bulk API, NDJSON " + bulkSize + " docs/body, " + bulkClients + " clients (latency per body)",
                    p.get("bulk"));
            ratio(t, "(a) ratio bulk API / index (target >= 0.9)", p.get("bulk").rate() / index.rate());
            row(t, "(b) single-document PUT, " + clients + " clients (ack latency)", p.get("single"));
            row(t, "(c) search, hybrid, 1 client, idle", p.get("searchIdle"));
            row(t, "(c) search, hybrid, 1 client, while (b) writes", p.get("searchWriting"));
            row(t, "(c) the writes of (b) meanwhile", p.get("singleWhileSearching"));
            ratio(t, "(c) ratio search p50 writing / idle", p.get("searchWriting").latency().at(50)
                    / p.get("searchIdle").latency().at(50));
            ratio(t, "(c) ratio search p99 writing / idle", p.get("searchWriting").latency().at(99)
                    / p.get("searchIdle").latency().at(99));
            row(t, "(d) PATCH keyword field, " + patchClients + " clients, " + patchN + " docs (vector kept)",
                    p.get("patch"));
            row(t, "(d) bulk merge (?merge=true) of the keyword field, " + patchN + " docs, " + bulkSize
                    + " docs/body (latency per body)", p.get("merge"));
            row(t, "(d) re-embed: bulk upsert with changed text, " + patchN + " docs (latency per body)", p.get("reembed"));
            ratio(t, "(d) speedup bulk merge / re-embed, same bodies (target >= 20)",
                    p.get("merge").rate() / p.get("reembed").rate());
            ratio(t, "(d) speedup single-document PATCH / re-embed", p.get("patch").rate() / p.get("reembed").rate());
            ratio(t, "(d) speedup patch / single-document PUT of (b)", p.get("patch").rate() / p.get("single").rate());
        }
        if (p.containsKey("patchFresh")) {
            row(t, "(d) PATCH keyword field, 1 client, young collection (micro-batch-off server)", p.get("patchFresh1"));
            row(t, "(d) PATCH keyword field, " + clients + " clients, young collection", p.get("patchFresh"));
        }
        List<Double> offRates = new ArrayList<>();
        List<Double> onRates = new ArrayList<>();
        List<Double> offP50 = new ArrayList<>();
        List<Double> onP50 = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (boolean on : new boolean[] {false, true}) {
                Phase ph = p.get("single-mb-" + on + "-" + round);
                row(t, "(b) micro-batch " + (on ? "on" : "off") + ", window " + (round + 1), ph);
                (on ? onRates : offRates).add(ph.rate());
                (on ? onP50 : offP50).add(ph.latency().at(50));
            }
        }
        if (rounds > 0) {
            ratio(t, "(b) ratio docs/s micro-batch on / off (mean of windows)", mean(onRates) / mean(offRates));
            ratio(t, "(b) ratio ack p50 micro-batch on / off (mean of windows)", mean(onP50) / mean(offP50));
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("docs", n);
        json.put("model", modelId);
        json.put("cores", Runtime.getRuntime().availableProcessors());
        json.put("loadAverageBefore", loadBefore);
        json.put("loadAverageAfter", loadAfter);
        p.forEach((name, ph) -> json.put(name, Map.of("ok", ph.ok(), "errors", ph.errors(), "seconds", ph.seconds(),
                "perSecond", ph.rate(), "p50Ms", ph.latency().at(50), "p99Ms", ph.latency().at(99))));
        t.append('\n').append(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json)).append('\n');
        return t.toString();
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    private static void row(StringBuilder t, String label, Phase ph) {
        t.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %.1f | %d |%n", label, ph.ok(),
                ph.seconds(), ph.rate(), ph.latency().at(50), ph.latency().at(99), ph.errors()));
    }

    private static void ratio(StringBuilder t, String label, double value) {
        t.append(String.format(Locale.ROOT, "| %s | | | **%.2f** | | | |%n", label, value));
    }

    /** Bulk upserts of {@code docs} in NDJSON bodies of {@code size}, {@code clients} at a time; latency per body. */
    static Phase bulk(Server server, String collection, List<Map<String, Object>> docs, int size, int clients)
            throws Exception {
        return bulkTo(server, "/api/v1/collections/" + collection + "/documents", docs, size, clients);
    }

    /** {@link #bulk} to {@code path} (e.g. with {@code ?merge=true}). */
    static Phase bulkTo(Server server, String path, List<Map<String, Object>> docs, int size, int clients)
            throws Exception {
        List<String> bodies = new ArrayList<>();
        for (int from = 0; from < docs.size(); from += size) {
            bodies.add(String.join("\n", docs.subList(from, Math.min(docs.size(), from + size)).stream()
                    .map(WriteBench::line).toList()));
        }
        AtomicInteger next = new AtomicInteger();
        return loop("bulk", clients, Double.MAX_VALUE, null, () -> {
            int i = next.getAndIncrement();
            if (i >= bodies.size()) {
                return -1;
            }
            HttpResponse<String> r = server.send("POST", path, "application/x-ndjson", bodies.get(i));
            JsonNode answer = r.statusCode() == 200 ? Json.MAPPER.readTree(r.body()) : null;
            if (answer == null || answer.get("failed").asInt() != 0) {
                throw new IllegalStateException("bulk write failed: " + r.statusCode() + " " + r.body());
            }
            return answer.get("written").asInt();
        });
    }

    /** {@code PUT .../documents/{id}} of {@code docs} in turn (cycling) from {@code clients}, for {@code seconds}. */
    static Phase singles(Server server, String collection, List<Map<String, Object>> docs, int clients,
                         double seconds, AtomicBoolean stop) throws Exception {
        AtomicInteger next = new AtomicInteger();
        return loop("single", clients, seconds, stop, () -> {
            Map<String, Object> doc = docs.get(Math.floorMod(next.getAndIncrement(), docs.size()));
            HttpResponse<String> r = server.send("PUT", "/api/v1/collections/" + collection + "/documents/"
                    + doc.get("id"), "application/json", line(doc));
            return r.statusCode() == 200 ? 1 : 0;
        });
    }

    /** {@code PATCH {"topic": "patched"}} of each of {@code docs} once, from {@code clients}. */
    static Phase patches(Server server, String collection, List<Map<String, Object>> docs, int clients)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        return loop("patch", clients, Double.MAX_VALUE, null, () -> {
            int i = next.getAndIncrement();
            if (i >= docs.size()) {
                return -1;
            }
            HttpResponse<String> r = server.send("PATCH", "/api/v1/collections/" + collection + "/documents/"
                    + docs.get(i).get("id"), "application/json", "{\"topic\": \"patched\"}");
            return r.statusCode() == 200 && r.body().contains("\"updated\"") ? 1 : 0;
        });
    }

    /** The default (hybrid) search, top 10, one client in a closed loop over {@code queries} for {@code seconds}. */
    static Phase searches(Server server, String collection, List<String> queries, double seconds, AtomicBoolean stop)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        return loop("search", 1, seconds, stop, () -> {
            String q = queries.get(Math.floorMod(next.getAndIncrement(), queries.size()));
            HttpResponse<String> r = server.send("POST", "/api/v1/collections/" + collection + "/search",
                    "application/json", Json.MAPPER.writeValueAsString(Map.of("query", q, "topK", 10)));
            return r.statusCode() == 200 ? 1 : 0;
        });
    }

    @FunctionalInterface
    interface Operation {
        /** Runs one request: the number of items it completed (0 = it failed), or -1 when there is no more work. */
        int run() throws Exception;
    }

    /**
     * {@code clients} threads each running {@code op} until it says there is no more work, {@code seconds} pass, or
     * {@code stop} is set; a request whose exception is not an {@link IllegalStateException} counts as an error.
     */
    static Phase loop(String name, int clients, double seconds, AtomicBoolean stop, Operation op) throws Exception {
        ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        ConcurrentLinkedQueue<Exception> fatal = new ConcurrentLinkedQueue<>();
        long start = System.nanoTime();
        long end = seconds >= Double.MAX_VALUE / 2 ? Long.MAX_VALUE : start + (long) (seconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            threads.add(Thread.ofPlatform().name(name + "-" + c).start(() -> {
                while (System.nanoTime() < end && (stop == null || !stop.get()) && fatal.isEmpty()) {
                    long s = System.nanoTime();
                    int done;
                    try {
                        done = op.run();
                    } catch (IllegalStateException e) {
                        fatal.add(e);
                        return;
                    } catch (Exception e) {
                        done = 0;
                    }
                    if (done < 0) {
                        return;
                    }
                    latencies.add((System.nanoTime() - s) / 1e6);
                    if (done == 0) {
                        errors.incrementAndGet();
                    } else {
                        ok.addAndGet(done);
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!fatal.isEmpty()) {
            throw fatal.peek();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        double[] samples = latencies.stream().mapToDouble(Double::doubleValue).toArray();
        return new Phase(name, ok.get(), errors.get(), elapsed, new Percentiles(samples.length == 0
                ? new double[] {0} : samples));
    }

    /**
     * The first {@code limit} documents of the corpus as {@code {"id", "title", "text", "topic"}} maps, the text cut
     * to {@code maxChars} (0 = whole).
     */
    static List<Map<String, Object>> readDocuments(Path corpus, int limit, int maxChars) {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (DocumentSource source = JsonlSource.open(corpus, BeirDataset.IGNORED_FIELDS)) {
            while (source.hasNext() && docs.size() < limit) {
                if (source.next() instanceof SourceDocument d) {
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("id", d.document().id());
                    doc.put("title", d.document().text("title"));
                    String text = d.document().text("text");
                    doc.put("text", maxChars > 0 && text.length() > maxChars ? text.substring(0, maxChars) : text);
                    doc.put("topic", "t" + docs.size() % 8);
                    docs.add(doc);
                }
            }
        }
        if (docs.isEmpty()) {
            throw new IllegalArgumentException("no documents in " + corpus);
        }
        return docs;
    }

    private static String line(Map<String, Object> doc) {
        return Json.MAPPER.writeValueAsString(doc);
    }

    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
