package dev.mmsearch.bench;

import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.ingest.CollectionImport;
import dev.mmsearch.ingest.ExportManifest;
import dev.mmsearch.opensearch.testcluster.OpenSearchTestCluster;
import dev.mmsearch.server.DataDirectory;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import dev.mmsearch.store.opensearch.OpenSearchCollectionStore;
import dev.mmsearch.store.opensearch.OpenSearchStoreOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

import static dev.mmsearch.bench.MillionProcesses.deleteTree;
import static dev.mmsearch.bench.MillionProcesses.directorySize;
import static dev.mmsearch.bench.MillionProcesses.linkModels;
import static dev.mmsearch.bench.MillionProcesses.meminfoKb;
import static dev.mmsearch.bench.MillionProcesses.segmentBytes;
import static dev.mmsearch.bench.MillionProcesses.statusKb;
import static dev.mmsearch.bench.MillionExact.bucketFilter;
import static dev.mmsearch.bench.MillionExact.exact;
import static dev.mmsearch.bench.MillionExact.overlap;
import static dev.mmsearch.bench.MillionResults.acceptance;
import static dev.mmsearch.bench.MillionResults.format;
import static dev.mmsearch.bench.MillionResults.merge;
import static dev.mmsearch.bench.MillionResults.readCsv;
import static dev.mmsearch.bench.MillionResults.table;

import dev.mmsearch.bench.MillionExact.Exact;
import dev.mmsearch.bench.MillionProcesses.ChildServer;
import dev.mmsearch.bench.MillionProcesses.Client;

/**
 * Issue 18 scope 2 and 3: an {@code mmsearch export} (vectors included, so no model runs at import) served at scale,
 * embedded and on the 2-node OpenSearch test cluster, in one run. Per store ({@code --stores embedded,opensearch-2}):
 * <ol>
 *   <li><b>import</b>: {@link CollectionImport#importInto} (what {@code mmsearch import} runs, with
 *       {@code --vector-encoding} applied as it applies it) into a fresh embedded data dir, or into the OpenSearch
 *       store (cluster from {@link OpenSearchTestCluster#start(int) start(2)}, 2 shards / 1 replica): wall time
 *       (verify + upserts + commit + the bulk-load merge), docs/s, bytes on disk (embedded: the collection's
 *       directory; OpenSearch: primary segments, and all copies);</li>
 *   <li><b>serve</b>: the real server ({@code dev.mmsearch.server.cli.Main serve}, the class {@code ./mmsearch}
 *       runs) as a child JVM with {@code -Xmx} from {@code --xmx}; after a warm-up, its RSS ({@code VmRSS}), peak RSS
 *       ({@code VmHWM}), heap in use and live heap (after {@code jcmd GC.run}), and the machine's page cache
 *       ({@code /proc/meminfo Cached}, not part of any RSS) before the import, after it, and after the queries;</li>
 *   <li><b>latency</b> over HTTP at one client, the arms interleaved query by query: dense, bm25, hybrid, filtered
 *       1% (hybrid, {@code bucket} = one of 100 values, rotating) and filtered 30% (hybrid, {@code tier=broad}):
 *       round-trip and server-side ({@code timingsMs.total}) p50/p99, and the queries answering fewer than
 *       {@code topK} hits;</li>
 *   <li><b>load</b>: peak QPS of hybrid and dense at each of {@code --levels} clients ({@link LoadBench}'s closed
 *       loop);</li>
 *   <li><b>recall</b>: recall@10 of the dense retriever over HTTP against exact search (brute force over the
 *       export's normalised vectors, cosine), unfiltered and with the 1% filter (exact = the documents whose
 *       {@code bucket} matches), on {@code --recall-sample} queries; filtered queries with fewer than topK hits;</li>
 *   <li><b>thin</b> (embedded): {@link SearchLatencyBench#measure} on the same data dir after the server stopped:
 *       hybrid server-side p50 against raw encode + raw kNN + raw BM25 p50 in one process, query by query; and
 *       the child server's hybrid server-side p50 (step 3) against the same raw parts.</li>
 * </ol>
 * The query texts are SciFact's claims ({@code --queries}), cycled. Writes {@code OUT/million.csv} (store, encoding,
 * figure, value, unit) and {@code OUT/summary.md}; progress goes to stderr. The exact top-10s are cached in
 * {@code OUT/exact-*.tsv} (keyed by the export's count and the sample), so a rerun skips the brute force.
 *
 * <p>Usage: {@code bench/run.sh million --export DIR [--out target/million] [--stores embedded[,opensearch-2]]
 * [--vector-encoding FLOAT32|INT8] [--xmx 1g] [--levels 8,32] [--seconds 20] [--warmup-seconds 60] [--n 500]
 * [--recall-sample 1000] [--topk 10] [--queries ../shared/data/scifact/queries.jsonl]
 * [--models target/test-cache/models] [--threads 0] [--phases import,serve,recall,thin] [--keep-data false]}.
 * {@code --phases} without {@code import} reuses the embedded data dir {@code OUT/data-embedded-ENCODING} of an
 * earlier run (so a 1M run can be split into steps that each fit a measurement slot); OpenSearch always imports.
 */
public final class MillionBench {
    static final String COLLECTION = "million";
    static final int BUCKETS = 100;

    /** One figure of the CSV. */
    record Row(String store, String encoding, String figure, double value, String unit) {
        String csv() {
            return String.join(",", store, encoding, figure, format(value),
                    unit.contains(",") || unit.contains("\"") ? '"' + unit.replace("\"", "\"\"") + '"' : unit);
        }
    }

    private static void writeCsv(Path file, List<Row> rows, List<Row> more) throws IOException {
        try (var w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("store,encoding,figure,value,unit\n");
            for (Row r : rows) {
                w.write(r.csv());
                w.write('\n');
            }
            for (Row r : more) {
                w.write(r.csv());
                w.write('\n');
            }
        }
    }

    /** The options, parsed and checked. */
    record Options(Path export, Path out, List<String> stores, VectorEncoding encoding, String xmx, int[] levels,
                   double seconds, double warmupSeconds, int n, int recallSample, int topK, Path queries,
                   Path models, int threads, Set<String> phases, boolean keepData, int thinWarmup) {
        static Options parse(String[] args) {
            if (args.length % 2 != 0) {
                throw new IllegalArgumentException("options come in pairs (--name value), got " + Arrays.toString(args));
            }
            Map<String, String> o = SearchLatencyBench.parse(args);
            Set<String> known = Set.of("--export", "--out", "--stores", "--vector-encoding", "--xmx", "--levels",
                    "--seconds", "--warmup-seconds", "--n", "--recall-sample", "--topk", "--queries", "--models",
                    "--threads", "--phases", "--keep-data", "--thin-warmup");
            for (String key : o.keySet()) {
                if (!known.contains(key)) {
                    throw new IllegalArgumentException("unknown option " + key + "; known: " + known);
                }
            }
            if (!o.containsKey("--export")) {
                throw new IllegalArgumentException("--export DIR is required (a directory 'mmsearch export' wrote)");
            }
            List<String> stores = List.of(o.getOrDefault("--stores", "embedded").split(","));
            for (String s : stores) {
                if (!s.equals("embedded") && !s.equals("opensearch-2")) {
                    throw new IllegalArgumentException("unknown store '" + s + "'; use embedded and/or opensearch-2");
                }
            }
            VectorEncoding encoding = o.containsKey("--vector-encoding")
                    ? VectorEncoding.parse(o.get("--vector-encoding")) : null;
            if (encoding != null && encoding != VectorEncoding.FLOAT32 && stores.contains("opensearch-2")) {
                throw new IllegalArgumentException("the OpenSearch store keeps float32 vectors only (" + encoding
                        + " is refused); run opensearch-2 without --vector-encoding " + encoding);
            }
            String xmx = o.getOrDefault("--xmx", "1g");
            if (!xmx.matches("[0-9]+[kKmMgG]?")) {
                throw new IllegalArgumentException("--xmx takes a JVM heap size such as 1g or 512m, got '" + xmx + "'");
            }
            int[] levels = Arrays.stream(o.getOrDefault("--levels", "8,32").split(",")).map(String::strip)
                    .filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
            Set<String> phases = new HashSet<>(List.of(o.getOrDefault("--phases", "import,serve,recall,thin")
                    .split(",")));
            Set<String> knownPhases = Set.of("exact", "import", "serve", "recall", "thin");
            if (!knownPhases.containsAll(phases)) {
                throw new IllegalArgumentException("unknown phase in " + phases + "; use " + knownPhases);
            }
            int n = Integer.parseInt(o.getOrDefault("--n", "500"));
            int recallSample = Integer.parseInt(o.getOrDefault("--recall-sample", "1000"));
            int topK = Integer.parseInt(o.getOrDefault("--topk", "10"));
            double seconds = Double.parseDouble(o.getOrDefault("--seconds", "20"));
            if (n < 1 || recallSample < 1 || topK < 1 || topK > 1000 || seconds <= 0
                    || Integer.parseInt(o.getOrDefault("--thin-warmup", "1000")) < 0) {
                throw new IllegalArgumentException("--n, --recall-sample and --seconds must be positive, --topk"
                        + " 1..1000 and --thin-warmup at least 0");
            }
            return new Options(Path.of(o.get("--export")), Path.of(o.getOrDefault("--out", "target/million")),
                    stores, encoding, xmx, levels, seconds,
                    Double.parseDouble(o.getOrDefault("--warmup-seconds", "60")), n, recallSample, topK,
                    Path.of(o.getOrDefault("--queries", "../shared/data/scifact/queries.jsonl")),
                    Path.of(o.getOrDefault("--models", "target/test-cache/models")),
                    Integer.parseInt(o.getOrDefault("--threads", "0")), phases,
                    Boolean.parseBoolean(o.getOrDefault("--keep-data", "false")),
                    Integer.parseInt(o.getOrDefault("--thin-warmup", "1000")));
        }
    }

    public static void main(String[] args) throws Exception {
        Options opt = Options.parse(args);
        // One client address sends all the load: lift the per-client rate limit for the in-process server of the
        // thin phase (the child server gets it on its command line).
        System.setProperty("mmsearch.security.rate-limit.per-second",
                System.getProperty("mmsearch.security.rate-limit.per-second", "0"));
        ExportManifest manifest = CollectionImport.verified(opt.export());
        VectorEncoding encoding = opt.encoding() != null ? opt.encoding() : manifest.vectorEncoding();
        Files.createDirectories(opt.out());
        List<String> texts = SearchLatencyBench.readQueries(opt.queries(), 100_000);
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no queries in " + opt.queries());
        }
        progress("export %s: %,d documents, %s, encoding %s (export's %s); %d queries", opt.export(),
                manifest.count(), manifest.stamp(), encoding, manifest.vectorEncoding(), texts.size());

        List<String> sample = cycle(texts, opt.recallSample());
        Exact exact = opt.phases().contains("recall") || opt.phases().contains("exact")
                ? exact(opt, manifest, sample) : null;
        if (opt.phases().equals(Set.of("exact"))) {
            return; // only the exact top-10s, cached for the runs that measure
        }

        Path csv = opt.out().resolve("million.csv");
        List<Row> earlier = Files.exists(csv) ? readCsv(csv) : List.of();
        String run = String.format(Locale.ROOT, "- %s: %,d documents (%s), %s, encoding %s, stores %s, phases %s,"
                        + " server -Xmx%s, %d cores; latency %d queries per arm at 1 client; load %s clients x %.0f s"
                        + " after %.0f s warm-up; recall sample %d, topK %d; queries %s%n",
                java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), manifest.count(),
                opt.export(), manifest.stamp().modelId(), encoding, opt.stores(), new java.util.TreeSet<>(opt.phases()),
                opt.xmx(), Runtime.getRuntime().availableProcessors(), opt.n(), Arrays.toString(opt.levels()),
                opt.seconds(), opt.warmupSeconds(), opt.recallSample(), opt.topK(), opt.queries());
        Files.writeString(opt.out().resolve("runs.md"), run, StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        List<Row> rows = new ArrayList<>();
        for (String store : opt.stores()) {
            List<Row> storeRows = new ArrayList<>();
            try {
                runStore(store, opt, manifest, encoding, texts, sample, exact, storeRows);
            } finally {
                // after each store, also when it failed: what was measured is kept
                rows.addAll(storeRows);
                writeCsv(csv, merge(earlier, rows), List.of());
            }
        }
        List<Row> all = merge(earlier, rows);
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
                "# mmsearch at scale: %,d documents%n%nRuns into this folder (a figure measured again replaces the"
                        + " earlier one):%n%n", manifest.count()));
        md.append(Files.readString(opt.out().resolve("runs.md"))).append('\n');
        md.append(table(all));
        md.append(acceptance(all));
        Files.writeString(opt.out().resolve("summary.md"), md.toString(), StandardCharsets.UTF_8);
        // A benchmark's report is its output: stdout is the right place for it.
        System.out.println(md);
        progress("wrote %s and %s", opt.out().resolve("million.csv"), opt.out().resolve("summary.md"));
    }

    private static void runStore(String store, Options opt, ExportManifest manifest, VectorEncoding encoding,
                                 List<String> texts, List<String> sample, Exact exact, List<Row> rows)
            throws Exception {
        String enc = encoding.name();
        boolean embedded = store.equals("embedded");
        Path dataRoot = opt.out().resolve("data-" + store + "-" + enc.toLowerCase(Locale.ROOT)).toAbsolutePath();
        OpenSearchTestCluster cluster = null;
        try {
            boolean importing = !embedded || opt.phases().contains("import");
            if (importing) {
                deleteTree(dataRoot);
            } else if (!Files.isDirectory(new DataDirectory(dataRoot).collections().resolve(COLLECTION))) {
                throw new IllegalArgumentException("no collection at " + dataRoot + " to reuse; run with the import"
                        + " phase first");
            }
            DataDirectory dataDir = new DataDirectory(dataRoot);
            Files.createDirectories(dataDir.root());
            linkModels(dataDir, opt.models());
            List<String> serverArgs = new ArrayList<>(List.of("--data-dir", dataRoot.toString()));
            if (!embedded) {
                progress("%s: starting the 2-node OpenSearch cluster", store);
                cluster = OpenSearchTestCluster.start(2);
                progress("%s: cluster up in %.1f s at %s", store, cluster.startupTime().toMillis() / 1e3,
                        cluster.httpHosts());
                for (String host : cluster.httpHosts()) {
                    serverArgs.addAll(List.of("--opensearch", host));
                }
            }
            if (importing) {
                importInto(store, opt, manifest, encoding, dataDir, cluster, rows);
            }
            if (opt.phases().contains("serve") || opt.phases().contains("recall")) {
                try (ChildServer server = ChildServer.start(serverArgs, opt.xmx(), opt.threads(),
                        opt.out().resolve("server-" + store + "-" + enc.toLowerCase(Locale.ROOT) + ".log"))) {
                    progress("%s: server pid %d on %s (-Xmx%s)", store, server.pid(), server.base(), opt.xmx());
                    Client client = new Client(server.base(), opt.topK());
                    if (opt.phases().contains("serve")) {
                        serve(store, enc, opt, texts, server, client, cluster, rows);
                    }
                    if (opt.phases().contains("recall")) {
                        recall(store, enc, opt, sample, exact, client, rows);
                    }
                    memory(store, enc, "end", server, client, cluster, rows);
                }
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
        if (embedded && opt.phases().contains("thin")) {
            thin(store, enc, opt, texts, new DataDirectory(dataRoot), rows);
        }
        if (!opt.keepData()) {
            deleteTree(dataRoot);
        }
    }

    private static void importInto(String store, Options opt, ExportManifest manifest, VectorEncoding encoding,
                                   DataDirectory dataDir, OpenSearchTestCluster cluster, List<Row> rows)
            throws Exception {
        String enc = encoding.name();
        long cachedBefore = meminfoKb("Cached");
        progress("%s: importing %,d documents (%s)", store, manifest.count(), enc);
        long t0 = System.nanoTime();
        CollectionImport.Result result;
        try (CollectionStore target = cluster == null ? new LuceneCollectionStore(dataDir.collections())
                : new OpenSearchCollectionStore(OpenSearchStoreOptions.forHosts(cluster.httpHosts())
                .withShards(2).withReplicas(1))) {
            // As ImportCommand: the export's schema and HNSW options, the encoding given (else the export's).
            result = CollectionImport.importInto(opt.export(), target, COLLECTION,
                    m -> new CollectionImport.Target(m.schema(), encoding));
            long count = target.get(COLLECTION).count();
            if (count != manifest.count()) {
                throw new IllegalStateException(store + " holds " + count + " documents after importing "
                        + manifest.count());
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        progress("%s: %s (%.1f s with the store's open and close)", store, result.toLine(), seconds);
        rows.add(new Row(store, enc, "import_seconds", seconds, "s"));
        rows.add(new Row(store, enc, "import_docs_per_s", result.documents() / seconds, "docs/s"));
        if (cluster == null) {
            long bytes = directorySize(dataDir.collections().resolve(COLLECTION));
            rows.add(new Row(store, enc, "disk_bytes", bytes, "bytes"));
            rows.add(new Row(store, enc, "disk_bytes_per_doc", (double) bytes / result.documents(), "bytes"));
        } else {
            long primary = segmentBytes(cluster.httpHost(0), true);
            long all = segmentBytes(cluster.httpHost(0), false);
            rows.add(new Row(store, enc, "disk_bytes", primary, "bytes (primaries)"));
            rows.add(new Row(store, enc, "disk_bytes_per_doc", (double) primary / result.documents(),
                    "bytes (primaries)"));
            rows.add(new Row(store, enc, "disk_bytes_all_copies", all, "bytes (primaries + replicas)"));
        }
        rows.add(new Row(store, enc, "page_cache_before_import_mb", cachedBefore / 1024.0, "MB"));
        rows.add(new Row(store, enc, "page_cache_after_import_mb", meminfoKb("Cached") / 1024.0, "MB"));
    }

    /** Warm-up, memory, 1-client latency per arm, peak QPS per level. */
    private static void serve(String store, String enc, Options opt, List<String> texts, ChildServer server,
                              Client client, OpenSearchTestCluster cluster, List<Row> rows) throws Exception {
        int most = Arrays.stream(opt.levels()).max().orElse(8);
        if (opt.warmupSeconds() > 0) {
            progress("%s: warm-up %.0f s at %d clients (hybrid, dense, filtered)", store, opt.warmupSeconds(), most);
            LoadBench.closedLoop("warmup", most, opt.warmupSeconds() / 2, texts, q -> client.ok(q, Map.of()));
            LoadBench.closedLoop("warmup", most, opt.warmupSeconds() / 4, texts,
                    q -> client.ok(q, Map.of("retriever", "dense")));
            LoadBench.closedLoop("warmup", most, opt.warmupSeconds() / 4, texts,
                    q -> client.ok(q, Map.of("filter", bucketFilter(q.hashCode()))));
        }
        memory(store, enc, "warm", server, client, cluster, rows);

        // 1 client, the arms interleaved query by query (the same conditions for each).
        Map<String, java.util.function.IntFunction<Map<String, Object>>> arms = new LinkedHashMap<>();
        arms.put("dense", i -> Map.of("retriever", "dense"));
        arms.put("bm25", i -> Map.of("retriever", "bm25"));
        arms.put("hybrid", i -> Map.of("retriever", "hybrid"));
        // hybrid with stored fields only (no highlighting), as the thin phase's in-process server is measured
        arms.put("hybrid_plain", i -> Map.of("retriever", "hybrid", "forceArms", Map.of("summary", "plain")));
        arms.put("filtered1", i -> Map.of("retriever", "hybrid", "filter", bucketFilter(i)));
        arms.put("filtered30", i -> Map.of("retriever", "hybrid", "filter", Map.of("term", Map.of("tier", "broad"))));
        Map<String, double[]> roundTrip = new LinkedHashMap<>();
        Map<String, double[]> serverSide = new LinkedHashMap<>();
        Map<String, Integer> short_ = new LinkedHashMap<>();
        for (String arm : arms.keySet()) {
            roundTrip.put(arm, new double[opt.n()]);
            serverSide.put(arm, new double[opt.n()]);
            short_.put(arm, 0);
        }
        progress("%s: latency, 1 client, %d queries x %d arms", store, opt.n(), arms.size());
        for (int i = 0; i < opt.n(); i++) {
            String q = texts.get(i % texts.size());
            for (var arm : arms.entrySet()) {
                long t0 = System.nanoTime();
                JsonNode answer = client.search(q, arm.getValue().apply(i));
                roundTrip.get(arm.getKey())[i] = (System.nanoTime() - t0) / 1e6;
                serverSide.get(arm.getKey())[i] = answer.get("timingsMs").get("total").asDouble();
                if (answer.get("hits").size() < opt.topK()) {
                    short_.merge(arm.getKey(), 1, Integer::sum);
                }
            }
        }
        for (String arm : arms.keySet()) {
            Percentiles rt = new Percentiles(roundTrip.get(arm));
            Percentiles sv = new Percentiles(serverSide.get(arm));
            rows.add(new Row(store, enc, arm + "_p50_ms", rt.at(50), "ms (HTTP round trip, 1 client)"));
            rows.add(new Row(store, enc, arm + "_p99_ms", rt.at(99), "ms (HTTP round trip, 1 client)"));
            rows.add(new Row(store, enc, arm + "_server_p50_ms", sv.at(50), "ms (timingsMs.total)"));
            rows.add(new Row(store, enc, arm + "_server_p99_ms", sv.at(99), "ms (timingsMs.total)"));
            rows.add(new Row(store, enc, arm + "_short_answers", short_.get(arm),
                    "queries of " + opt.n() + " with < topK hits"));
        }
        for (int c : opt.levels()) {
            for (String arm : List.of("hybrid", "dense")) {
                LoadBench.Result r = LoadBench.closedLoop(arm, c, opt.seconds(), texts,
                        q -> client.ok(q, Map.of("retriever", arm)));
                progress("%s: %s", store, r.line());
                rows.add(new Row(store, enc, arm + "_qps_c" + c, r.qps(), "QPS (closed loop, " + c + " clients)"));
                rows.add(new Row(store, enc, arm + "_p99_ms_c" + c, r.latency().at(99), "ms at " + c + " clients"));
                rows.add(new Row(store, enc, arm + "_errors_c" + c, r.errors(), "failed requests"));
            }
        }
    }

    /** RSS, peak RSS, heap in use, live heap after a full GC, page cache; OpenSearch nodes' RSS summed. */
    private static void memory(String store, String enc, String when, ChildServer server, Client client,
                               OpenSearchTestCluster cluster, List<Row> rows) throws Exception {
        rows.add(new Row(store, enc, "server_rss_mb_" + when, LoadBench.rssKb(server.pid()) / 1024.0, "MB (VmRSS)"));
        rows.add(new Row(store, enc, "server_rss_peak_mb_" + when, statusKb(server.pid(), "VmHWM") / 1024.0,
                "MB (VmHWM)"));
        // RSS = anonymous (heap, direct buffers, native model memory) + file pages mapped and touched (Lucene's
        // mmapped index, the jars): the latter are page cache too, counted in Cached as well.
        rows.add(new Row(store, enc, "server_rss_anon_mb_" + when, statusKb(server.pid(), "RssAnon") / 1024.0,
                "MB (RssAnon)"));
        rows.add(new Row(store, enc, "server_rss_file_mb_" + when, statusKb(server.pid(), "RssFile") / 1024.0,
                "MB (RssFile: mapped files, also in Cached)"));
        rows.add(new Row(store, enc, "server_heap_used_mb_" + when,
                LoadBench.gauge(client.http, server.base(), "jvm.memory.used?tag=area:heap") / 1048576.0, "MB"));
        server.gc();
        rows.add(new Row(store, enc, "server_heap_live_mb_" + when,
                LoadBench.gauge(client.http, server.base(), "jvm.memory.used?tag=area:heap") / 1048576.0,
                "MB (after jcmd GC.run)"));
        rows.add(new Row(store, enc, "page_cache_mb_" + when, meminfoKb("Cached") / 1024.0,
                "MB (/proc/meminfo Cached, machine-wide)"));
        if (cluster != null) {
            long kb = ProcessHandle.current().descendants().filter(p -> p.pid() != server.pid())
                    .filter(p -> p.info().commandLine().orElse("").contains("opensearch"))
                    .mapToLong(p -> Math.max(0, LoadBench.rssKb(p.pid()))).sum();
            rows.add(new Row(store, enc, "opensearch_nodes_rss_mb_" + when, kb / 1024.0, "MB (VmRSS, both nodes)"));
        }
        progress("%s: memory (%s): rss %.0f MB, page cache %.0f MB", store, when,
                LoadBench.rssKb(server.pid()) / 1024.0, meminfoKb("Cached") / 1024.0);
    }

    private static void recall(String store, String enc, Options opt, List<String> sample, Exact exact,
                               Client client, List<Row> rows) throws Exception {
        progress("%s: recall@%d of the dense retriever on %d queries (unfiltered and 1%% filter)", store,
                Exact.K, sample.size());
        double sum = 0;
        double sumFiltered = 0;
        int shortFiltered = 0;
        for (int i = 0; i < sample.size(); i++) {
            Map<String, Object> dense = new LinkedHashMap<>(Map.of("retriever", "dense", "topK", Exact.K));
            sum += overlap(exact.unfiltered().get(i), ids(client.search(sample.get(i), dense)));
            dense.put("filter", bucketFilter(i));
            List<String> got = ids(client.search(sample.get(i), dense));
            if (got.size() < Math.min(Exact.K, exact.filteredSize().get(i))) {
                shortFiltered++;
            }
            sumFiltered += overlap(exact.filtered().get(i), got);
        }
        rows.add(new Row(store, enc, "recall_at_10", sum / sample.size(), "dense vs exact; " + sample.size() + " queries"));
        rows.add(new Row(store, enc, "recall_at_10_filtered1", sumFiltered / sample.size(),
                "dense + bucket filter vs exact filtered"));
        rows.add(new Row(store, enc, "recall_filtered1_short_answers", shortFiltered,
                "queries of " + sample.size() + " with < 10 hits (dense + bucket filter)"));
    }

    private static void thin(String store, String enc, Options opt, List<String> texts, DataDirectory dataDir,
                             List<Row> rows) throws Exception {
        // A fresh JVM: its JIT needs as long a warm-up as the child server had (at 102k documents, 50 warm-up
        // queries left the in-process hybrid at 9.3 ms p50 against the warmed child server's 5.6 ms).
        int warmup = opt.thinWarmup();
        progress("%s: thin pipeline in process (%d queries after %d warm-up)", store, opt.n(), warmup);
        SearchLatencyBench.Measured m = SearchLatencyBench.measure(dataDir, COLLECTION,
                cycle(texts, opt.n() + warmup), warmup, opt.threads(), List.of("hybrid"), "plain");
        double raw = m.rawParts("hybrid");
        double server = m.percentiles().get("hybrid.server").at(50);
        rows.add(new Row(store, enc, "raw_encode_p50_ms", m.percentiles().get("encode").at(50), "ms (in process)"));
        rows.add(new Row(store, enc, "raw_knn_p50_ms", m.percentiles().get("knn").at(50), "ms (in process; k=10; 100 candidates)"));
        rows.add(new Row(store, enc, "raw_bm25_p50_ms", m.percentiles().get("bm25").at(50), "ms (in process)"));
        rows.add(new Row(store, enc, "thin_hybrid_server_p50_ms", server, "ms (in-process server, summary plain)"));
        rows.add(new Row(store, enc, "thin_ratio", server / raw, "hybrid server p50 / raw parts p50 (target <= 1.3)"));

    }

    private static List<String> ids(JsonNode answer) {
        List<String> ids = new ArrayList<>();
        answer.get("hits").forEach(h -> ids.add(h.get("id").asString()));
        return ids;
    }

    static List<String> cycle(List<String> texts, int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(texts.get(i % texts.size()));
        }
        return out;
    }

    static void progress(String format, Object... args) {
        System.err.printf(Locale.ROOT, "[million %tT] %s%n", System.currentTimeMillis(),
                String.format(Locale.ROOT, format, args));
    }

    private MillionBench() {
    }
}
