package dev.mmsearch.bench;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.EncoderProvider;
import dev.mmsearch.core.Hit;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.core.VectorQuery;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.ingest.BeirDataset;
import dev.mmsearch.ingest.JsonlSource;
import dev.mmsearch.ingest.RetrievalMetrics;
import dev.mmsearch.ingest.SourceDocument;
import dev.mmsearch.ingest.SourceRecord;
import dev.mmsearch.retrieval.QueryEncoders;
import dev.mmsearch.retrieval.SearchQuery;
import dev.mmsearch.server.DataDirectory;
import dev.mmsearch.server.Engine;
import dev.mmsearch.server.EngineOptions;
import dev.mmsearch.server.demo.VectorBundle;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * The Java half of mmsearch vs LanceDB on SciFact (issue 18 item 5; {@code bench/lancedb/run.sh} runs it, then
 * {@code bench/lancedb/scifact.js}, then the {@code score} phase).
 *
 * <ul>
 *   <li>{@code prep --out DIR}: writes what LanceDB needs, exactly what mmsearch indexes: {@code docs.jsonl}
 *       ({@code id, title, text}) and {@code docs.f32} (the product's bundled bge-small-en-v1.5 document vectors, the
 *       ones {@code mmsearch demo} imports, as float32: int32 rows, int32 dims, row-major little-endian floats), and
 *       {@code queries.jsonl} / {@code queries.f32}: every query (the test-qrels queries first) encoded once with the
 *       product's own encoder (bge's query instruction included), so both systems search with identical vectors.
 *       Then it measures mmsearch on the same machine: the build ({@code --build-repeats} times: a new FLOAT32
 *       collection, upserts of 512, {@code optimize} = commit + one segment) and every query, one at a time, through
 *       the product's search pipeline ({@code CompiledExperiments.execute}, what {@code Engine.search} runs) with the
 *       encoder replaced by a lookup of the precomputed vector (encode excluded, as on the LanceDB side) and the
 *       summary arm forced to {@code plain} (stored fields, no highlighting: LanceDB returns the stored columns).
 *       Modes: {@code dense}, {@code bm25}, {@code hybrid} (the built-in default: dense k=100 + BM25 k=100,
 *       weighted z-score 0.6/0.4), {@code hybrid-rrf} (the same recalls, RRF k=60) and, below the pipeline, the raw
 *       store calls {@code raw-knn} (k=10, 100 candidates) and {@code raw-bm25}. Warm-up: the first
 *       {@code --warmup} queries through every mode; then {@code --repeats} passes over all queries, each query through
 *       every mode in turn. Writes {@code mmsearch.json}: per mode the top-10 ids of each query (first pass) and
 *       every latency sample in ms.</li>
 *   <li>{@code score --out DIR}: nDCG@10 over SciFact's test qrels with the product's {@link RetrievalMetrics} for
 *       {@code mmsearch.json} and {@code lancedb.json} (same layout), p50/p99 per mode, build times, and the table of
 *       ratios mmsearch / LanceDB; prints it and writes {@code table.md} and {@code summary.json}.</li>
 *   <li>{@code analysis --out DIR}: {@link Bm25AnalysisProbe}, BM25 (and the hybrid built on it) with other analysis
 *       chains, on the same files.</li>
 * </ul>
 */
public final class LanceDbBench {
    static final int TOP_K = 10;
    static final String COLLECTION = "lancedb-peer-scifact";
    static final String BUNDLE = "/demo/scifact/scifact." + ModelRegistry.DEFAULT_MODEL + ".vectors.gz";
    /** mmsearch modes: name → forced arms of the built-in experiment config (raw-* bypass the pipeline). */
    static final Map<String, Map<String, String>> PIPELINE_MODES = new LinkedHashMap<>();

    static {
        PIPELINE_MODES.put("dense", Map.of("recall", "dense", "summary", "plain"));
        PIPELINE_MODES.put("bm25", Map.of("recall", "bm25", "summary", "plain"));
        PIPELINE_MODES.put("hybrid", Map.of("recall", "hybrid", "rank", "weighted", "summary", "plain"));
        PIPELINE_MODES.put("hybrid-rrf", Map.of("recall", "hybrid", "rank", "rrf", "summary", "plain"));
    }

    private LanceDbBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: LanceDbBench prep|score|analysis --out DIR [options]");
        }
        Map<String, String> opts = SearchLatencyBench.parse(Arrays.copyOfRange(args, 1, args.length));
        Path out = Path.of(opts.getOrDefault("--out", "target/lancedb-scifact"));
        Files.createDirectories(out);
        switch (args[0]) {
            case "prep" -> prep(out, opts);
            case "score" -> score(out, opts);
            case "analysis" -> Bm25AnalysisProbe.run(out, opts);
            default -> throw new IllegalArgumentException("unknown phase '" + args[0] + "'; use prep, score or analysis");
        }
    }

    // ---------------------------------------------------------------- prep

    static void prep(Path out, Map<String, String> opts) throws Exception {
        Path beir = Path.of(opts.getOrDefault("--beir", "../shared/data/scifact"));
        int limit = positive(opts, "--limit", Integer.MAX_VALUE);
        int queryLimit = positive(opts, "--queries-limit", Integer.MAX_VALUE);
        int warmup = Integer.parseInt(opts.getOrDefault("--warmup", "300"));
        int repeats = positive(opts, "--repeats", 3);
        int buildRepeats = positive(opts, "--build-repeats", 5);
        BeirDataset dataset = BeirDataset.load(beir, null);

        Path dataDir = out.resolve("mmsearch-data");
        deleteTree(dataDir);
        Files.createDirectories(dataDir);
        if (opts.containsKey("--models")) { // a model cache to reuse (the built-in model is copied out of its jar once)
            Path models = Path.of(opts.get("--models")).toAbsolutePath();
            Files.createDirectories(models);
            Files.createSymbolicLink(new DataDirectory(dataDir).models(), models);
        }
        try (Engine engine = new Engine(new DataDirectory(dataDir), new EngineOptions(0, 32))) {
            TextEncoder encoder = engine.encoders().textEncoder(ModelRegistry.DEFAULT_MODEL);
            ModelStamp stamp = encoder.stamp();
            VectorBundle bundle;
            try (InputStream in = VectorBundle.class.getResourceAsStream(BUNDLE)) {
                if (in == null) {
                    throw new IllegalStateException("the server jar lacks " + BUNDLE);
                }
                bundle = VectorBundle.read(in, BUNDLE);
            }
            if (!bundle.model().compatibleWith(stamp)) {
                throw new IllegalStateException("bundled vectors are " + bundle.model().describe() + ", the model is "
                        + stamp.describe());
            }
            List<EmbeddedDocument> docs = readDocs(dataset.corpus(), bundle, limit);
            List<String> queryIds = orderedQueryIds(dataset, queryLimit);
            List<String> queryTexts = queryIds.stream().map(dataset.queries()::get).toList();
            long e0 = System.nanoTime();
            float[][] queryVectors = encoder.encodeQueries(queryTexts);
            double encodeSeconds = (System.nanoTime() - e0) / 1e9;
            writeDocs(out, docs);
            writeQueries(out, queryIds, queryTexts, queryVectors);

            // Build: the same documents and vectors, in memory, into a new collection, durable and merged.
            List<Double> buildMs = new ArrayList<>();
            List<Map<String, Double>> buildParts = new ArrayList<>();
            for (int b = 0; b < buildRepeats; b++) {
                if (engine.store().exists(COLLECTION)) {
                    engine.store().delete(COLLECTION);
                }
                long b0 = System.nanoTime();
                SearchCollection collection = engine.store().getOrCreate(COLLECTION, CollectionSchema.BEIR, stamp,
                        VectorEncoding.FLOAT32);
                for (int i = 0; i < docs.size(); i += 512) {
                    collection.upsert(docs.subList(i, Math.min(docs.size(), i + 512)));
                }
                long b1 = System.nanoTime();
                int segments = collection.optimize();
                long b2 = System.nanoTime();
                buildMs.add((b2 - b0) / 1e6);
                buildParts.add(Map.of("total", (b2 - b0) / 1e6, "upsert", (b1 - b0) / 1e6, "optimize",
                        (b2 - b1) / 1e6, "segmentsBeforeOptimize", (double) segments));
            }

            Map<String, float[]> byText = new HashMap<>();
            for (int i = 0; i < queryTexts.size(); i++) {
                byText.put(queryTexts.get(i), queryVectors[i]);
            }
            QueryEncoders precomputed = new QueryEncoders(new PrecomputedVectors(stamp, byText));
            List<String> modes = new ArrayList<>(PIPELINE_MODES.keySet());
            modes.add("raw-knn");
            modes.add("raw-bm25");
            Map<String, Function<Integer, List<String>>> runners = new LinkedHashMap<>();
            for (Map.Entry<String, Map<String, String>> mode : PIPELINE_MODES.entrySet()) {
                runners.put(mode.getKey(), q -> {
                    SearchQuery query = new SearchQuery(COLLECTION, queryTexts.get(q), TOP_K, 0, null, "lancedb-bench",
                            false, mode.getValue(), null);
                    SearchCollection collection = engine.store().get(COLLECTION);
                    return engine.experiments().current().execute(query, collection, precomputed).hits().stream()
                            .map(Hit::id).toList();
                });
            }
            runners.put("raw-knn", q -> engine.store().get(COLLECTION)
                    .search(VectorQuery.of(queryVectors[q], TOP_K, 100)).stream().map(s -> s.id()).toList());
            runners.put("raw-bm25", q -> engine.store().get(COLLECTION)
                    .search(TextQuery.of(queryTexts.get(q), TOP_K)).stream().map(s -> s.id()).toList());

            Map<String, Object> result = measure(queryIds, runners, warmup, repeats);
            SearchCollection collection = engine.store().get(COLLECTION);
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("system", "mmsearch");
            meta.put("docs", collection.count());
            meta.put("queries", queryIds.size());
            meta.put("warmup", Math.min(warmup, queryIds.size()));
            meta.put("repeats", repeats);
            meta.put("model", stamp.describe());
            meta.put("vectorEncoding", collection.vectorEncoding().label());
            meta.put("cores", Runtime.getRuntime().availableProcessors());
            meta.put("queryEncodeSeconds", encodeSeconds);
            meta.put("buildMs", buildMs);
            meta.put("buildParts", buildParts);
            meta.put("indexBytes", treeSize(new DataDirectory(dataDir).collections()));
            result.put("meta", meta);
            Files.writeString(out.resolve("mmsearch.json"), Json.MAPPER.writeValueAsString(result));
            System.out.printf(Locale.ROOT, "mmsearch: %d docs, %d queries, build %s ms, wrote %s%n", collection.count(),
                    queryIds.size(), buildMs.stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList(), out);
        }
    }

    /** Warm-up, then {@code repeats} passes, each query through every mode in turn; ids of the first pass. */
    static Map<String, Object> measure(List<String> queryIds, Map<String, Function<Integer, List<String>>> runners,
                                       int warmup, int repeats) {
        int n = queryIds.size();
        for (int q = 0; q < Math.min(warmup, n); q++) {
            for (Function<Integer, List<String>> runner : runners.values()) {
                runner.apply(q);
            }
        }
        Map<String, Map<String, List<String>>> ids = new LinkedHashMap<>();
        Map<String, double[]> ms = new LinkedHashMap<>();
        runners.keySet().forEach(m -> {
            ids.put(m, new LinkedHashMap<>());
            ms.put(m, new double[n * repeats]);
        });
        for (int r = 0; r < repeats; r++) {
            for (int q = 0; q < n; q++) {
                for (Map.Entry<String, Function<Integer, List<String>>> runner : runners.entrySet()) {
                    long t0 = System.nanoTime();
                    List<String> hits = runner.getValue().apply(q);
                    ms.get(runner.getKey())[r * n + q] = (System.nanoTime() - t0) / 1e6;
                    if (r == 0) {
                        ids.get(runner.getKey()).put(queryIds.get(q), hits);
                    }
                }
            }
        }
        Map<String, Object> modes = new LinkedHashMap<>();
        for (String m : runners.keySet()) {
            modes.put(m, Map.of("ids", ids.get(m), "ms", ms.get(m)));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("modes", modes);
        return result;
    }

    /** The test-qrels queries first (nDCG is computed over them), then the others, in file order. */
    static List<String> orderedQueryIds(BeirDataset dataset, int limit) {
        Set<String> ordered = new LinkedHashSet<>(dataset.evaluatedQueryIds());
        ordered.addAll(dataset.queries().keySet());
        ordered.removeIf(id -> dataset.queries().get(id).isBlank());
        return ordered.stream().limit(limit).toList();
    }

    static List<EmbeddedDocument> readDocs(Path corpus, VectorBundle bundle, int limit) {
        List<EmbeddedDocument> docs = new ArrayList<>();
        try (JsonlSource source = JsonlSource.open(corpus, BeirDataset.IGNORED_FIELDS)) {
            while (source.hasNext() && docs.size() < limit) {
                SourceRecord record = source.next();
                if (!(record instanceof SourceDocument(Document document, long line))) {
                    throw new IllegalStateException("bad corpus line in " + corpus + ": " + record);
                }
                float[] vector = bundle.vector(document.id());
                if (vector == null) {
                    throw new IllegalStateException("the bundled vectors lack document '" + document.id() + "' (line "
                            + line + "); the corpus is not the bundled SciFact");
                }
                docs.add(new EmbeddedDocument(document, vector));
            }
        }
        return docs;
    }

    private static void writeDocs(Path out, List<EmbeddedDocument> docs) throws IOException {
        List<String> lines = new ArrayList<>(docs.size());
        float[][] vectors = new float[docs.size()][];
        for (int i = 0; i < docs.size(); i++) {
            Document d = docs.get(i).document();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", d.id());
            row.put("title", String.valueOf(d.fields().getOrDefault("title", "")));
            row.put("text", String.valueOf(d.fields().getOrDefault("text", "")));
            lines.add(Json.MAPPER.writeValueAsString(row));
            vectors[i] = docs.get(i).vector();
        }
        Files.write(out.resolve("docs.jsonl"), lines);
        writeF32(out.resolve("docs.f32"), vectors);
    }

    private static void writeQueries(Path out, List<String> ids, List<String> texts, float[][] vectors)
            throws IOException {
        List<String> lines = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            lines.add(Json.MAPPER.writeValueAsString(Map.of("id", ids.get(i), "text", texts.get(i))));
        }
        Files.write(out.resolve("queries.jsonl"), lines);
        writeF32(out.resolve("queries.f32"), vectors);
    }

    static void writeF32(Path file, float[][] rows) throws IOException {
        int dim = rows.length == 0 ? 0 : rows[0].length;
        ByteBuffer buf = ByteBuffer.allocate(8 + rows.length * dim * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(rows.length).putInt(dim);
        for (float[] row : rows) {
            for (float v : row) {
                buf.putFloat(v);
            }
        }
        try (OutputStream os = Files.newOutputStream(file)) {
            os.write(buf.array());
        }
    }

    /**
     * The product's encoders with every query's vector computed beforehand: the pipeline asks for the vector as it
     * always does and gets the precomputed one, so a timed search does everything but the model call.
     */
    record PrecomputedVectors(ModelStamp stamp, Map<String, float[]> vectors) implements EncoderProvider {
        @Override
        public TextEncoder textEncoder(String modelId) {
            if (!modelId.equals(stamp.modelId())) {
                throw new IllegalArgumentException("only " + stamp.modelId() + " is precomputed, not " + modelId);
            }
            return new TextEncoder() {
                @Override
                public ModelStamp stamp() {
                    return stamp;
                }

                @Override
                public int maxSequenceLength() {
                    return 512;
                }

                @Override
                public float[][] encodeQueries(List<String> queries) {
                    float[][] out = new float[queries.size()][];
                    for (int i = 0; i < out.length; i++) {
                        out[i] = vectors.get(queries.get(i));
                        if (out[i] == null) {
                            throw new IllegalStateException("no precomputed vector for query '" + queries.get(i) + "'");
                        }
                    }
                    return out;
                }

                @Override
                public float[][] encodeDocuments(List<String> documents) {
                    throw new UnsupportedOperationException("documents are not encoded here");
                }

                @Override
                public int countTokens(String text) {
                    throw new UnsupportedOperationException("documents are not encoded here");
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public List<String> modelIds() {
            return List.of(stamp.modelId());
        }

        @Override
        public void close() {
        }
    }

    // ---------------------------------------------------------------- score

    /** mmsearch mode → the LanceDB mode it is compared with in the ratio table. */
    static final Map<String, String> PAIRS = new LinkedHashMap<>();

    static {
        PAIRS.put("dense", "dense");
        PAIRS.put("bm25", "fts");
        PAIRS.put("hybrid", "hybrid");
        PAIRS.put("hybrid-rrf", "hybrid");
        PAIRS.put("hybrid ", "hybrid-100"); // the trailing space keeps the key apart; trimmed when printed
    }

    static void score(Path out, Map<String, String> opts) throws IOException {
        BeirDataset dataset = BeirDataset.load(Path.of(opts.getOrDefault("--beir", "../shared/data/scifact")), null);
        JsonNode mm = Json.MAPPER.readTree(Files.readString(out.resolve(opts.getOrDefault("--mmsearch", "mmsearch.json"))));
        JsonNode lance = Json.MAPPER.readTree(Files.readString(out.resolve(opts.getOrDefault("--lancedb", "lancedb.json"))));
        Map<String, Map<String, Double>> mmRows = rows(mm, dataset);
        Map<String, Map<String, Double>> lanceRows = rows(lance, dataset);

        StringBuilder t = new StringBuilder();
        JsonNode mmMeta = mm.get("meta");
        JsonNode lanceMeta = lance.get("meta");
        t.append(String.format(Locale.ROOT, "SciFact: %d docs, %d queries timed (%d warm-up, %d passes), nDCG@10 over %d"
                        + " test queries; one client, one query at a time, top %d, query vectors precomputed%n%n",
                mmMeta.get("docs").asLong(), mmMeta.get("queries").asInt(), mmMeta.get("warmup").asInt(),
                mmMeta.get("repeats").asInt(), evaluated(dataset, mm), TOP_K));
        t.append("| system | mode | nDCG@10 | p50 ms | p99 ms | mean ms |\n|---|---|---|---|---|---|\n");
        mmRows.forEach((m, r) -> t.append(row("mmsearch", m, r)));
        lanceRows.forEach((m, r) -> t.append(row("LanceDB", m, r)));
        t.append("\n| mmsearch / LanceDB | nDCG@10 ratio | p50 ratio | p99 ratio |\n|---|---|---|---|\n");
        Map<String, Object> ratios = new LinkedHashMap<>();
        for (Map.Entry<String, String> pair : PAIRS.entrySet()) {
            Map<String, Double> a = mmRows.get(pair.getKey().strip());
            Map<String, Double> b = lanceRows.get(pair.getValue());
            if (a == null || b == null) {
                continue;
            }
            double nd = a.get("ndcg10") / b.get("ndcg10");
            double p50 = a.get("p50") / b.get("p50");
            double p99 = a.get("p99") / b.get("p99");
            String label = pair.getKey().strip() + " / " + pair.getValue();
            t.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f |%n", label, nd, p50, p99));
            ratios.put(label, Map.of("ndcg10", nd, "p50", p50, "p99", p99));
        }
        double mmBuild = median(mmMeta.get("buildMs"));
        double lanceBuild = median(lanceMeta.get("buildMs"));
        t.append("\n| measure | mmsearch | LanceDB | mmsearch / LanceDB |\n|---|---|---|---|\n");
        t.append(String.format(Locale.ROOT, "| build ms (median of %d) | %.0f | %.0f | %.3f |%n",
                mmMeta.get("buildMs").size(), mmBuild, lanceBuild, mmBuild / lanceBuild));
        ratios.put("build", Map.of("mmsearchMs", mmBuild, "lancedbMs", lanceBuild, "ratio", mmBuild / lanceBuild));
        t.append(String.format(Locale.ROOT, "| build ms (best of %d) | %.0f | %.0f | %.3f |%n",
                mmMeta.get("buildMs").size(), min(mmMeta.get("buildMs")), min(lanceMeta.get("buildMs")),
                min(mmMeta.get("buildMs")) / min(lanceMeta.get("buildMs"))));
        double mmDisk = mmMeta.get("indexBytes").asDouble();
        double lanceDisk = lanceMeta.get("diskBytes").asDouble();
        t.append(String.format(Locale.ROOT, "| disk MB | %.1f | %.1f | %.3f |%n", mmDisk / 1e6, lanceDisk / 1e6,
                mmDisk / lanceDisk));
        ratios.put("disk", Map.of("mmsearchBytes", mmDisk, "lancedbBytes", lanceDisk, "ratio", mmDisk / lanceDisk));
        JsonNode exact = lance.get("modes").get("dense-exact");
        if (exact != null) { // the ANN part's recall@10 against exact kNN on the same vectors (LanceDB's brute force)
            t.append("\n| dense recall@10 vs exact kNN (same vectors) | value |\n|---|---|\n");
            Map<String, Object> recalls = new LinkedHashMap<>();
            for (String[] mode : new String[][] {{"mmsearch", "dense"}, {"mmsearch", "raw-knn"}, {"LanceDB", "dense"}}) {
                JsonNode node = (mode[0].equals("mmsearch") ? mm : lance).get("modes").get(mode[1]);
                if (node != null) {
                    double r = recallAgainst(node.get("ids"), exact.get("ids"));
                    t.append(String.format(Locale.ROOT, "| %s %s | %.4f |%n", mode[0], mode[1], r));
                    recalls.put(mode[0] + " " + mode[1], r);
                }
            }
            ratios.put("denseRecallAt10VsExact", recalls);
        }
        System.out.println(t);
        Files.writeString(out.resolve("table.md"), t.toString());
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("mmsearch", mmRows);
        summary.put("lancedb", lanceRows);
        summary.put("ratios", ratios);
        summary.put("mmsearchMeta", mmMeta);
        summary.put("lancedbMeta", lanceMeta);
        Files.writeString(out.resolve("summary.json"),
                Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
    }

    private static int evaluated(BeirDataset dataset, JsonNode system) {
        JsonNode first = system.get("modes").properties().iterator().next().getValue().get("ids");
        return (int) dataset.evaluatedQueryIds().stream().filter(first::has).count();
    }

    /** Per mode: nDCG@10 over the test queries the file answered, and latency percentiles over every sample. */
    static Map<String, Map<String, Double>> rows(JsonNode system, BeirDataset dataset) {
        Map<String, Map<String, Double>> rows = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> mode : system.get("modes").properties()) {
            JsonNode ids = mode.getValue().get("ids");
            double sum = 0;
            int n = 0;
            for (String q : dataset.evaluatedQueryIds()) {
                if (!ids.has(q)) {
                    continue;
                }
                List<String> ranked = new ArrayList<>();
                ids.get(q).forEach(id -> ranked.add(id.asString()));
                sum += RetrievalMetrics.ndcgAtK(ranked, dataset.qrels().get(q), TOP_K);
                n++;
            }
            JsonNode msNode = mode.getValue().get("ms");
            double[] ms = new double[msNode.size()];
            for (int i = 0; i < ms.length; i++) {
                ms[i] = msNode.get(i).asDouble();
            }
            Percentiles p = new Percentiles(ms);
            Map<String, Double> row = new LinkedHashMap<>();
            row.put("ndcg10", n == 0 ? 0 : sum / n);
            row.put("p50", p.at(50));
            row.put("p99", p.at(99));
            row.put("mean", p.mean());
            rows.put(mode.getKey(), row);
        }
        return rows;
    }

    private static String row(String system, String mode, Map<String, Double> r) {
        return String.format(Locale.ROOT, "| %s | %s | %.4f | %.3f | %.3f | %.3f |%n", system, mode, r.get("ndcg10"),
                r.get("p50"), r.get("p99"), r.get("mean"));
    }

    /** Mean over the queries of {@code exact}: the share of its ids that {@code ids} also returned. */
    static double recallAgainst(JsonNode ids, JsonNode exact) {
        long found = 0;
        long wanted = 0;
        for (Map.Entry<String, JsonNode> q : exact.properties()) {
            Set<String> got = new java.util.HashSet<>();
            if (ids.has(q.getKey())) {
                ids.get(q.getKey()).forEach(id -> got.add(id.asString()));
            }
            for (JsonNode id : q.getValue()) {
                wanted++;
                found += got.contains(id.asString()) ? 1 : 0;
            }
        }
        return wanted == 0 ? Double.NaN : (double) found / wanted;
    }

    private static double min(JsonNode values) {
        double best = Double.POSITIVE_INFINITY;
        for (JsonNode v : values) {
            best = Math.min(best, v.asDouble());
        }
        return best;
    }

    private static double median(JsonNode values) {
        double[] v = new double[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i).asDouble();
        }
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static int positive(Map<String, String> opts, String name, int fallback) {
        int value = opts.containsKey(name) ? Integer.parseInt(opts.get(name)) : fallback;
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
        return value;
    }

    private static long treeSize(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
