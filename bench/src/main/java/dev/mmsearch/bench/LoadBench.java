package dev.mmsearch.bench;

import dev.mmsearch.core.Json;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.ingest.IndexProgress;
import dev.mmsearch.server.DataDirectory;
import dev.mmsearch.server.Engine;
import dev.mmsearch.server.EngineOptions;
import dev.mmsearch.server.service.SearchService;
import dev.mmsearch.server.demo.DemoData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Load on the demo's search endpoint: a server in its own process ({@code --url}; {@code bench/load/external.sh}
 * starts {@code mmsearch serve} for it), or one this harness starts in-process with {@link SearchService} on a data
 * dir holding the demo's SciFact collection (imported from the bundled vectors by {@link DemoData#ensureIndexed}).
 * After a warm-up (closed loop at the highest level, with the sampler's actuator calls every second), it measures
 * <ol>
 *   <li>closed loop: C clients each sending the next query as soon as the last answer came back, for the default
 *       search (hybrid) and the dense arm, C = 1, 8, 32: QPS, p50, p99, errors;</li>
 *   <li>the encoder ceiling: raw {@link TextEncoder#encodeQuery} from C threads, same queries, in this JVM (the
 *       same model and intra-op threads as the server; the server idles meanwhile);</li>
 *   <li>open loop at 80% of the peak hybrid QPS (requests sent on a fixed schedule, latency measured from the
 *       scheduled time so a stalled server cannot hide its queue): p50/p99;</li>
 *   <li>a soak at that rate, sampling heap ({@code /actuator/metrics/jvm.memory.used?tag=area:heap}) and RSS
 *       ({@code /proc/PID/status} VmRSS of the server: {@code --server-pid}, or this process) every 10 s.</li>
 * </ol>
 * The load generator shares the machine (2 cores) with the server, which costs the server some CPU. In-process it
 * also shares the server's JVM: its JIT, GC pauses and threads; in its own process only the cores.
 *
 * <p>Usage: {@code bench/run.sh load [--data-dir DIR] [--models target/test-cache/models] [--levels 1,8,32]
 * [--seconds 20] [--soak-seconds 180] [--queries ../shared/data/scifact/queries.jsonl] [--threads 0]
 * [--model bge-small-en-v1.5] [--warmup-seconds 120] [--settle-seconds 60] [--timeline-seconds 10] [--peak QPS]
 * [--sampler off] [--url http://127.0.0.1:8765 [--server-pid PID] [--collection NAME]]}.
 * {@code --peak}: skip the closed loops and run the open loop and soak at 80% of this; {@code --sampler off}: no
 * heap/RSS/queue samples during the soak. {@code --threads}: ONNX intra-op threads per query (0 = one per core, the
 * default). {@code --model}: the demo's collection for that model, as {@code demo --model} builds it
 * ({@link DemoData#collectionFor}).
 */
public final class LoadBench {

    record Result(String name, int concurrency, long ok, long errors, double seconds, Percentiles latency) {
        double qps() {
            return ok / seconds;
        }

        String line() {
            return String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %d |", name, concurrency, qps(),
                    latency.at(50), latency.at(99), errors);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = SearchLatencyBench.parse(args);
        Path root = Path.of(opts.getOrDefault("--data-dir", "target/load-data"));
        Path modelCache = Path.of(opts.getOrDefault("--models", "target/test-cache/models"));
        // --peak QPS: skip the closed loops and take this as the peak (to rerun the open loop and soak alone).
        Double givenPeak = opts.containsKey("--peak") ? Double.valueOf(opts.get("--peak")) : null;
        int[] levels = givenPeak != null ? new int[0]
                : java.util.Arrays.stream(opts.getOrDefault("--levels", "1,8,32").split(","))
                .mapToInt(Integer::parseInt).toArray();
        boolean sampling = !"off".equals(opts.get("--sampler"));
        double seconds = Double.parseDouble(opts.getOrDefault("--seconds", "20"));
        double soakSeconds = Double.parseDouble(opts.getOrDefault("--soak-seconds", "180"));
        double warmupSeconds = Double.parseDouble(opts.getOrDefault("--warmup-seconds", "120"));
        double settleSeconds = Double.parseDouble(opts.getOrDefault("--settle-seconds", "60"));
        int timelineSeconds = Integer.parseInt(opts.getOrDefault("--timeline-seconds", "10"));
        List<String> queries = SearchLatencyBench.readQueries(
                Path.of(opts.getOrDefault("--queries", "../shared/data/scifact/queries.jsonl")), 100_000);
        String modelId = opts.getOrDefault("--model", DemoData.MODEL);
        int threads = Integer.parseInt(opts.getOrDefault("--threads", "0"));
        String collection = opts.getOrDefault("--collection", DemoData.collectionFor(modelId));
        try (Target target = opts.containsKey("--url")
                ? Target.external(URI.create(opts.get("--url")), modelCache, modelId, threads,
                        opts.containsKey("--server-pid") ? Long.parseLong(opts.get("--server-pid")) : -1)
                : Target.inProcess(root, modelCache, modelId, threads)) {
            System.out.printf(Locale.ROOT, "server %s, model %s, collection %s, intra-op threads %s%n",
                    opts.containsKey("--url") ? target.base() + " (own process, pid " + target.serverPid() + ")"
                            : "in this process", modelId, collection,
                    threads == 0 ? "one per core" : Integer.toString(threads));
            URI search = target.base().resolve("/api/v1/collections/" + collection + "/search");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
            TextEncoder encoder = target.encoder();
            Map<String, Map<String, Object>> arms = new LinkedHashMap<>();
            arms.put("hybrid (default)", Map.of());
            arms.put("dense", Map.of("retriever", "dense"));

            // Warm-up at the highest level, so the first measured level is not the one the JIT is still compiling
            // (on 2 cores the JIT is still compiling after 30 s: 1-client hybrid QPS was 106 after a 30 s warm-up and
            // 138 after 120 s, runs 9 and 10).
            java.util.function.Supplier<String> sampler = () -> {
                try {
                    double used = gauge(http, target.base(), "jvm.memory.used?tag=area:heap");
                    return String.format(Locale.ROOT, "heap=%d MB rss=%d MB running=%.0f queued=%.0f",
                            (long) used >> 20, rssKb(target.serverPid()) >> 10,
                            gauge(http, target.base(), "mmsearch.search.running"),
                            gauge(http, target.base(), "mmsearch.search.queued"));
                } catch (Exception e) {
                    return "sample failed: " + e;
                }
            };
            java.util.function.Supplier<String> soakSampler = sampling ? sampler : null;
            int most = java.util.Arrays.stream(levels).max().orElse(32);
            // The warm-up also calls the actuator the way the soak's sampler does (every second here). Without it the
            // sampler's first calls, at the start of the open loop, were the server's first requests of another kind:
            // the JIT had inlined the one request class it had seen through the Spring/Tomcat dispatch path, and
            // the new one deoptimised it (242 deoptimisations in 10 s, class_check in CorsUtils, WebAsyncUtils,
            // HandlerMapping...; JFR of the server, 2026-11-27). Until C2 had compiled it again the server ran below
            // the open loop's rate and queued for seconds. A server in production is scraped all along.
            java.util.concurrent.ScheduledExecutorService warmupSampling = Executors.newSingleThreadScheduledExecutor();
            if (soakSampler != null) {
                warmupSampling.scheduleAtFixedRate(soakSampler::get, 0, 1, TimeUnit.SECONDS);
            }
            Result warmHybrid = closedLoop("warmup", most, warmupSeconds * 2 / 3, queries,
                    q -> search(http, search, q, Map.of()));
            closedLoop("warmup", most, warmupSeconds / 3, queries,
                    q -> search(http, search, q, Map.of("retriever", "dense")));
            warmupSampling.shutdownNow();
            if (warmupSeconds > 0) {
                // The generator's own code warms up too: the encoder (in this JVM it is cold when the server runs
                // in its own process) and the open loop's sending path (its first seconds compiled the sender while
                // measuring: the first 5 s window of the 20-s open loop had p99 69 ms, the rest 36-44 ms).
                closedLoop("warmup", most, Math.min(10, warmupSeconds / 6), queries, q -> {
                    encoder.encodeQuery(q);
                    return true;
                });
                Result warmOpen = openLoop("warm-up: hybrid open loop @80% of warm-up QPS", 0.8 * warmHybrid.qps(),
                        Math.min(15, warmupSeconds / 4), queries, q -> search(http, search, q, Map.of()),
                        new ArrayList<>(), soakSampler, timelineSeconds);
                System.out.println(warmOpen.line());
            }
            System.out.printf(Locale.ROOT, "warm-up %.0f s at %d clients; searches at most %s at once%n",
                    warmupSeconds, most, System.getProperty("mmsearch.search.max-concurrent", "2 per core (default)"));

            List<Result> results = new ArrayList<>();
            for (int c : levels) {
                // The encoder first: the open loop then follows a search closed loop, not 20 s of an idle server.
                results.add(closedLoop("raw encodeQuery", c, seconds, queries, q -> {
                    encoder.encodeQuery(q);
                    return true;
                }));
                System.out.println(results.getLast().line());
                for (var arm : arms.entrySet()) {
                    results.add(closedLoop(arm.getKey(), c, seconds, queries, q -> search(http, search, q, arm.getValue())));
                    System.out.println(results.getLast().line());
                }
            }
            double peak = givenPeak != null ? givenPeak
                    : results.stream().filter(r -> r.name().startsWith("hybrid")).mapToDouble(Result::qps).max()
                    .orElseThrow();
            double rate = 0.8 * peak;
            // Settle at the measured rate first, with the same traffic (searches and the sampler's actuator calls)
            // as the measurement. A change of traffic pattern (saturated closed loop -> 80% open loop, the first
            // actuator calls) makes the JIT deoptimise and recompile the hot search path; on 2 cores the compiler
            // then takes 15-30% of the CPU for tens of seconds and an open loop at 80% of peak queues for up to a
            // minute (runs 7-10). Its numbers are printed, not hidden; the measurement starts when it is over.
            if (settleSeconds > 0) {
                List<String> settleSamples = new ArrayList<>();
                Result settle = openLoop("settle: hybrid open loop @80% peak", rate, settleSeconds, queries,
                        q -> search(http, search, q, Map.of()), settleSamples, soakSampler, timelineSeconds);
                System.out.println(settle.line());
                settleSamples.stream().filter(line -> line.startsWith("sent")).forEach(System.out::println);
            }
            List<String> openSamples = new ArrayList<>();
            Result open = openLoop("hybrid open loop @80% peak", rate, seconds, queries,
                    q -> search(http, search, q, Map.of()), openSamples, soakSampler, timelineSeconds);
            System.out.println(open.line());
            openSamples.stream().filter(line -> line.startsWith("sent")).forEach(System.out::println);

            System.out.println();
            System.out.println("| load | clients | QPS | p50 ms | p99 ms | errors |");
            System.out.println("|---|---|---|---|---|---|");
            results.forEach(r -> System.out.println(r.line()));
            System.out.println(String.format(Locale.ROOT, "| hybrid, open loop at %.1f QPS (80%% of peak %.1f) | - | %.1f | %.1f | %.1f | %d |",
                    rate, peak, open.qps(), open.latency().at(50), open.latency().at(99), open.errors()));
            for (int c : levels) {
                double enc = find(results, "raw encodeQuery", c).qps();
                for (String arm : arms.keySet()) {
                    System.out.printf(Locale.ROOT, "ratio %s / encoder ceiling at %d clients: %.2f%n", arm, c,
                            find(results, arm, c).qps() / enc);
                }
            }

            if (soakSeconds > 0) {
                List<String> samples = new ArrayList<>();
                Result soak = openLoop("soak hybrid @80% peak", rate, soakSeconds, queries,
                        q -> search(http, search, q, Map.of()), samples, soakSampler, timelineSeconds);
                System.out.println();
                System.out.println(soak.line());
                samples.forEach(System.out::println);
            }
        }
    }

    /**
     * The server under load: one started in this process on a data dir (the demo's collection imported if missing),
     * or one already running in its own process at a URL. The encoder is the model's, in this process, for the
     * encoder ceiling; {@code serverPid} is the process whose RSS the soak samples (-1: not sampled).
     */
    private record Target(URI base, TextEncoder encoder, long serverPid, AutoCloseable closer) implements AutoCloseable {

        static Target inProcess(Path root, Path modelCache, String modelId, int threads) throws Exception {
            DataDirectory dataDir = new DataDirectory(root);
            Files.createDirectories(dataDir.models());
            Path model = dataDir.models().resolve(modelId);
            if (!Files.exists(model) && Files.exists(modelCache.resolve(modelId))) {
                // Saves extracting the built-in model again: link the test cache's copy.
                Files.createSymbolicLink(model, modelCache.resolve(modelId).toAbsolutePath());
            }
            // One client address sends all the load: lift the per-client rate limit (it would answer 429 past
            // 50/s), unless the caller set it.
            System.setProperty("mmsearch.security.rate-limit.per-second",
                    System.getProperty("mmsearch.security.rate-limit.per-second", "1000000"));
            System.setProperty("mmsearch.security.rate-limit.burst",
                    System.getProperty("mmsearch.security.rate-limit.burst", "1000000"));
            ConfigurableApplicationContext context = SearchService.start(dataDir, 0,
                    new EngineOptions(threads, EngineOptions.DEFAULTS.batchSize()));
            try {
                Engine engine = context.getBean(Engine.class);
                long t0 = System.nanoTime();
                DemoData.Outcome outcome = DemoData.ensureIndexed(engine, modelId, IndexProgress.NONE);
                System.out.printf(Locale.ROOT, "demo data %s in %.1f s%n", outcome, (System.nanoTime() - t0) / 1e9);
                return new Target(URI.create("http://127.0.0.1:" + SearchService.port(context)),
                        engine.encoders().textEncoder(modelId), ProcessHandle.current().pid(), context);
            } catch (Exception | Error e) {
                context.close();
                throw e;
            }
        }

        /**
         * A server in its own process (started with its per-client rate limit off: one address sends all the load).
         * The model is loaded here from {@code modelCache} (a built-in is copied out of its jar), with the same
         * intra-op threads the server was given.
         */
        static Target external(URI base, Path modelCache, String modelId, int threads, long serverPid) {
            ModelRegistry models = new ModelRegistry(modelCache,
                    new EngineOptions(threads, EngineOptions.DEFAULTS.batchSize()).modelOptions());
            return new Target(base, models.textEncoder(modelId), serverPid, models);
        }

        @Override
        public void close() throws Exception {
            closer.close();
        }
    }

    private static Result find(List<Result> results, String name, int c) {
        return results.stream().filter(r -> r.name().equals(name) && r.concurrency() == c).findFirst().orElseThrow();
    }

    @FunctionalInterface
    interface Call {
        boolean run(String query) throws Exception;
    }

    private static boolean search(HttpClient http, URI uri, String q, Map<String, Object> extra) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>(Map.of("query", q, "topK", 10));
        body.putAll(extra);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200;
    }

    /** C clients, each sending the next request when the last returned, for {@code seconds}. */
    static Result closedLoop(String name, int clients, double seconds, List<String> queries, Call call)
            throws InterruptedException {
        ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            threads.add(Thread.ofPlatform().start(() -> {
                while (System.nanoTime() < end) {
                    String q = queries.get(Math.floorMod(next.getAndIncrement(), queries.size()));
                    long s = System.nanoTime();
                    boolean good;
                    try {
                        good = call.run(q);
                    } catch (Exception e) {
                        good = false;
                    }
                    latencies.add((System.nanoTime() - s) / 1e6);
                    (good ? ok : errors).incrementAndGet();
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new Result(name, clients, ok.get(), errors.get(), elapsed,
                new Percentiles(latencies.stream().mapToDouble(Double::doubleValue).toArray()));
    }

    /**
     * Requests sent on a fixed schedule at {@code rate} per second (up to 256 in flight); each latency counts from
     * the request's scheduled time. Every 10 s {@code sampler} (if given) adds a line to {@code samples}.
     */
    private static Result openLoop(String name, double rate, double seconds, List<String> queries, Call call,
                                   List<String> samples, java.util.function.Supplier<String> sampler,
                                   int timelineSeconds)
            throws InterruptedException {
        // (scheduled second, latency) of every request: the percentiles, and the soak's latency timeline.
        ConcurrentLinkedQueue<double[]> timeline = new ConcurrentLinkedQueue<>();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(256);
        long start = System.nanoTime();
        long total = (long) (rate * seconds);
        // Samples are taken on their own thread: the sampler makes an HTTP call, and done on the sending thread it
        // held back every request due meanwhile, which then counted (from its scheduled time) as seconds of latency.
        java.util.concurrent.ScheduledExecutorService sampling = Executors.newSingleThreadScheduledExecutor();
        if (sampler != null) {
            sampling.scheduleAtFixedRate(() -> samples.add(String.format(Locale.ROOT, "t=%3.0f s %s errors=%d",
                    (System.nanoTime() - start) / 1e9, sampler.get(), errors.get())), 0, 10, TimeUnit.SECONDS);
        }
        for (long i = 0; i < total; i++) {
            long due = start + (long) (i * 1e9 / rate);
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.sleep(Math.min(wait, 2_000_000));
            }
            String q = queries.get((int) (i % queries.size()));
            pool.execute(() -> {
                boolean good;
                try {
                    good = call.run(q);
                } catch (Exception e) {
                    good = false;
                }
                timeline.add(new double[] {(due - start) / 1e9, (System.nanoTime() - due) / 1e6});
                (good ? ok : errors).incrementAndGet();
            });
        }
        pool.shutdown();
        pool.awaitTermination(2, TimeUnit.MINUTES);
        sampling.shutdown();
        sampling.awaitTermination(30, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - start) / 1e9;
        if (sampler != null) {
            samples.add(String.format(Locale.ROOT, "t=%3.0f s %s errors=%d (end)", elapsed, sampler.get(), errors.get()));
        }
        if (samples != null) {
            java.util.TreeMap<Integer, List<Double>> windows = new java.util.TreeMap<>();
            for (double[] entry : timeline) {
                windows.computeIfAbsent((int) (entry[0] / timelineSeconds), w -> new ArrayList<>()).add(entry[1]);
            }
            windows.forEach((w, values) -> {
                Percentiles p = new Percentiles(values.stream().mapToDouble(Double::doubleValue).toArray());
                samples.add(String.format(Locale.ROOT, "sent %3d-%3d s: %d requests, latency p50 %.1f p99 %.1f max %.1f ms",
                        w * timelineSeconds, (w + 1) * timelineSeconds, values.size(), p.at(50), p.at(99), p.at(100)));
            });
        }
        return new Result(name, 0, ok.get(), errors.get(), elapsed,
                new Percentiles(timeline.stream().mapToDouble(entry -> entry[1]).toArray()));
    }

    /** A metric's value from the actuator ({@code /actuator/metrics/NAME}, NAME may carry a {@code ?tag=} filter). */
    static double gauge(HttpClient http, URI base, String name) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/actuator/metrics/" + name)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return Json.MAPPER.readTree(r.body()).get("measurements").get(0).get("value").asDouble();
    }

    /** The resident set of process {@code pid} in KiB ({@code /proc/PID/status} VmRSS), or -1 when unknown. */
    static long rssKb(long pid) {
        if (pid < 0) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException e) {
            return -1;
        }
        return -1;
    }

    private LoadBench() {
    }
}
