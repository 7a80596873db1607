package dev.mmsearch.bench;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.ingest.CollectionExport;
import dev.mmsearch.ingest.IndexOptions;
import dev.mmsearch.ingest.IndexProgress;
import dev.mmsearch.ingest.Indexer;
import dev.mmsearch.server.DataDirectory;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tiny run of every benchmark harness, so none of them rots between the runs that produce docs/benchmarks.md: each
 * main runs with the smallest arguments that still exercise its whole path (a few documents and queries, one level,
 * a second or two) and its report must hold a table with positive numbers. Peers outside Java are not run: the ANN
 * comparison runs its Java side (Lucene) only, and the store comparison its embedded setup only (an OpenSearch node
 * takes longer to boot than this whole class is meant to take). Model: the small test model, from the shared test
 * cache.
 */
class BenchSmokeIT {
    static final String MODEL = "all-MiniLM-L6-v2-q";

    @TempDir
    static Path tmp;
    static Path shared;
    static Path models;
    static Path corpus;
    static Path queries;
    /** A data dir holding collection "smoke": 20 SciFact documents embedded with {@link #MODEL}. */
    static Path dataDir;

    @BeforeAll
    static void indexASmallCollection() throws Exception {
        shared = Path.of(System.getProperty("mmsearch.sharedData", "../../shared/data"));
        corpus = shared.resolve("scifact/corpus.jsonl");
        queries = shared.resolve("scifact/queries.jsonl");
        models = Path.of(System.getProperty("mmsearch.testCache", "../target/test-cache")).resolve("models");
        Files.createDirectories(models);
        dataDir = tmp.resolve("data");
        Files.createDirectories(dataDir);
        Files.createSymbolicLink(dataDir.resolve("models"), models.toAbsolutePath());
        Path slice = tmp.resolve("slice.jsonl");
        try (Stream<String> lines = Files.lines(corpus)) {
            Files.write(slice, lines.limit(20).toList());
        }
        try (ModelRegistry registry = new ModelRegistry(models);
             LuceneCollectionStore store = new LuceneCollectionStore(new DataDirectory(dataDir).collections())) {
            TextEncoder encoder = registry.textEncoder(MODEL);
            SearchCollection collection = store.getOrCreate("smoke", CollectionSchema.BEIR, encoder.stamp());
            Indexer.index(slice, collection, encoder, CollectionSchema.BEIR, IndexOptions.defaults().withBatchSize(8),
                    IndexProgress.NONE, tmp.resolve("reports"));
            assertThat(collection.count()).isEqualTo(20);
        }
    }

    /** What {@code main} printed to stdout. */
    static String run(ThrowingMain main) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            main.run();
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.println(out);
        return out;
    }

    @FunctionalInterface
    interface ThrowingMain {
        void run() throws Exception;
    }

    /** The number in the table row starting with {@code label}, in column {@code column} (1 = the first after it). */
    static double cell(String out, String label, int column) {
        for (String line : out.split("\n")) {
            if (line.startsWith("| " + label)) {
                String[] cells = line.split("\\|");
                return Double.parseDouble(cells[1 + column].strip().replace("**", ""));
            }
        }
        throw new AssertionError("no row '" + label + "' in:\n" + out);
    }

    @Test
    void searchLatency() throws Exception {
        String out = run(() -> SearchLatencyBench.main(new String[] {"--data-dir", dataDir.toString(),
                "--collection", "smoke", "--queries", queries.toString(), "--n", "5", "--warmup", "2",
                "--threads", "1"}));
        assertThat(cell(out, "raw encode", 1)).isPositive();
        assertThat(cell(out, "dense arm: server-side total", 1)).isPositive();
        assertThat(cell(out, "hybrid arm: HTTP round trip", 2)).isPositive();
    }

    @Test
    void ingestThroughput() throws Exception {
        String out = run(() -> IngestThroughputBench.main(new String[] {"--corpus", corpus.toString(),
                "--model", MODEL, "--limit", "16", "--batch-size", "8", "--threads", "1",
                "--data-dir", dataDir.toString()}));
        assertThat(cell(out, "(a) raw model", 2)).isPositive();
        assertThat(cell(out, "(b) pipeline, length-bucketed", 2)).isPositive();
        assertThat(cell(out, "ratio pipeline (b) / raw (a)", 2)).isPositive();
    }

    @Test
    void ingestMemory() throws Exception {
        String out = run(() -> IngestMemoryBench.main(new String[] {"--size-mb", "1", "--doc-kb", "64",
                "--model", MODEL, "--data-dir", dataDir.toString()}));
        Matcher docsPerSecond = Pattern.compile("\"docsPerSecond\"\\s*:\\s*([0-9.Ee+-]+)").matcher(out);
        assertThat(docsPerSecond.find()).as(out).isTrue();
        assertThat(Double.parseDouble(docsPerSecond.group(1))).isPositive();
    }

    @Test
    void storeComparisonEmbeddedOnly() throws Exception {
        String out = run(() -> StoreComparisonBench.main(new String[] {"--cache",
                new DataDirectory(dataDir).collections().toString(), "--collection", "smoke", "--models",
                models.toString(), "--queries", queries.toString(), "--n", "5", "--warmup", "2", "--batch", "8",
                "--setups", "embedded"}));
        Matcher ingest = Pattern.compile("\"ingest_docs_per_s\"\\s*:\\s*([0-9.Ee+-]+)").matcher(out);
        assertThat(ingest.find()).as(out).isTrue();
        assertThat(Double.parseDouble(ingest.group(1))).isPositive();
    }

    @Test
    void capacityPlan() throws Exception {
        Path index;
        try (Stream<Path> files = Files.walk(new DataDirectory(dataDir).collections())) {
            index = files.filter(p -> p.getFileName().toString().startsWith("segments_")).findFirst()
                    .orElseThrow().getParent();
        }
        String out = run(() -> CapacityPlan.main(new String[] {"--corpus", corpus.toString(), "--index",
                index.toString()}));
        // A 20-document index is written as compound segments, which the per-part measurement skips: the plan then
        // stands on its formulas, and the report says so.
        assertThat(out).contains("### Measured on SciFact", "### Plans");
        assertThat(out).containsPattern("\\| [^|]*10M[^|]* \\|");
    }

    @Test
    void annJavaSideOnly() throws Exception {
        Path out = tmp.resolve("ann");
        AnnBench.main(new String[] {"prepare", "--out", out.toString(), "--sets", "synth", "--n", "500",
                "--dim", "32", "--clusters", "10", "--nq", "20"});
        AnnBench.main(new String[] {"lucene", "--out", out.toString(), "--sets", "synth", "--repeats", "1",
                "--widths", "10", "--encodings", "FLOAT32", "--hnsw", "16/100,8/40"});
        List<String> csv = Files.readAllLines(out.resolve("lucene.csv"));
        assertThat(csv).hasSize(3);
        assertThat(csv.get(1)).startsWith("synth,lucene-fp32,10,");
        assertThat(csv.get(2)).startsWith("synth,lucene-fp32-m8-bw40,10,");
        // Lucene without the product: a float graph and a 4-bit one, as searched and rescored with 2x oversampling
        AnnBench.main(new String[] {"raw", "--out", out.toString(), "--sets", "synth", "--repeats", "1",
                "--widths", "10", "--formats", "fp32,int4", "--oversample", "1,2"});
        List<String> raw = Files.readAllLines(out.resolve("raw.csv"));
        assertThat(raw).hasSize(4);
        assertThat(raw.subList(1, 4)).extracting(line -> line.split(",")[1])
                .containsExactly("raw-fp32", "raw-int4-os1", "raw-int4-os2");
    }

    /** The million set's path (an export's vectors, queries encoded with its model) on a 20-document export. */
    @Test
    void annMillionSetFromATinyExport() throws Exception {
        Path export = tmp.resolve("smoke-export");
        try (LuceneCollectionStore store = new LuceneCollectionStore(new DataDirectory(dataDir).collections())) {
            CollectionExport.export(store.get("smoke"), export, 8); // three shards: the limit stops inside the second
        }
        Path out = tmp.resolve("ann-million");
        String printed = run(() -> AnnBench.main(new String[] {"prepare", "--out", out.toString(), "--sets", "million",
                "--export", export.toString(), "--limit", "12", "--queries", queries.toString(), "--nq", "5",
                "--models", models.toString()}));
        assertThat(printed).contains("prepared million base=12 (of 20");
        assertThat(AnnBench.readMatrix(out.resolve("million.base.f32"))).hasNumberOfRows(12);
        float[][] q = AnnBench.readMatrix(out.resolve("million.query.f32"));
        assertThat(q).hasNumberOfRows(5);
        assertThat(q[0]).hasSize(384);
        int[][] gt = AnnBench.readIds(out.resolve("million.gt.i32"));
        assertThat(gt).hasNumberOfRows(5);
        assertThat(java.util.Arrays.stream(gt[0]).boxed().toList()).hasSize(10).allMatch(id -> id >= 0 && id < 12);
        AnnBench.main(new String[] {"lucene", "--out", out.toString(), "--sets", "million", "--repeats", "1",
                "--widths", "10", "--encodings", "FLOAT32"});
        List<String> csv = Files.readAllLines(out.resolve("lucene.csv"));
        assertThat(csv).hasSize(2);
        assertThat(csv.get(1)).startsWith("million,lucene-fp32,10,0,1.0000,"); // 12 vectors: the graph finds them all
    }

    @Test
    void load() throws Exception {
        String out = run(() -> LoadBench.main(new String[] {"--data-dir", tmp.resolve("load").toString(),
                "--models", models.toString(), "--model", "bge-small-en-v1.5-q", "--queries", queries.toString(),
                "--levels", "1", "--seconds", "1", "--soak-seconds", "0", "--warmup-seconds", "0",
                "--settle-seconds", "0", "--sampler", "off", "--threads", "1"}));
        assertThat(cell(out, "hybrid (default)", 2)).isPositive();
        assertThat(cell(out, "dense", 2)).isPositive();
    }

    @Test
    void millionCorpus() throws Exception {
        Path out = tmp.resolve("million.jsonl");
        run(() -> MillionCorpus.main(new String[] {"--out", out.toString(), "--n", "50",
                "--source", shared.resolve("scifact").toString()}));
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(50);
        assertThat(lines.getFirst()).contains("\"id\"", "\"bucket\"");
    }

    /**
     * The million harness on a 200-document slice of the corpus: embedded (fp32 as exported, then int8), imported,
     * served by a child server JVM, queried, recall against exact search, the in-process thin-pipeline check.
     */
    @Test
    void millionBenchEmbeddedOnly() throws Exception {
        Path jsonl = tmp.resolve("million-smoke.jsonl");
        run(() -> MillionCorpus.main(new String[] {"--out", jsonl.toString(), "--n", "200",
                "--source", shared.resolve("scifact").toString()}));
        Path export = tmp.resolve("million-smoke-export");
        CollectionSchema schema = new CollectionSchema("{title} {text}", List.of("title", "text"),
                List.of("bucket", "tier"), List.of("year"));
        try (ModelRegistry registry = new ModelRegistry(models);
             LuceneCollectionStore store = new LuceneCollectionStore(tmp.resolve("million-source"))) {
            TextEncoder encoder = registry.textEncoder(MODEL);
            SearchCollection collection = store.getOrCreate(MillionBench.COLLECTION, schema, encoder.stamp());
            Indexer.index(jsonl, collection, encoder, schema, IndexOptions.defaults().withBatchSize(32),
                    IndexProgress.NONE, tmp.resolve("million-reports"));
            CollectionExport.export(collection, export, 100);
        }
        // Both encodings into one folder: the second run's figures join the first's (one column each).
        Path out = tmp.resolve("million-out");
        for (String encoding : List.of("FLOAT32", "INT8")) {
            String printed = run(() -> MillionBench.main(new String[] {"--export", export.toString(),
                    "--out", out.toString(), "--models", models.toString(), "--queries", queries.toString(),
                    "--vector-encoding", encoding, "--n", "8", "--levels", "2", "--seconds", "1",
                    "--warmup-seconds", "1", "--recall-sample", "20", "--thin-warmup", "4", "--threads", "1",
                    "--xmx", "256m"}));
            assertThat(printed).contains("encoding " + encoding, "| embedded " + encoding + " |",
                    "## Issue 18 targets", "embedded " + encoding + ":");
            java.util.Map<String, Double> csv = new java.util.HashMap<>();
            List<String> lines = Files.readAllLines(out.resolve("million.csv"));
            assertThat(lines.getFirst()).isEqualTo("store,encoding,figure,value,unit");
            for (String line : lines.subList(1, lines.size())) {
                String[] cells = line.split(",", 5);
                assertThat(cells[0]).isEqualTo("embedded");
                if (cells[1].equals(encoding)) {
                    csv.put(cells[2], Double.parseDouble(cells[3]));
                }
            }
            assertThat(csv.get("import_docs_per_s")).isPositive();
            assertThat(csv.get("disk_bytes")).isPositive();
            assertThat(csv.get("server_rss_mb_warm")).isPositive();
            assertThat(csv.get("server_rss_anon_mb_warm")).isPositive();
            assertThat(csv.get("server_heap_live_mb_warm")).isPositive();
            for (String arm : List.of("dense", "bm25", "hybrid", "hybrid_plain", "filtered1", "filtered30")) {
                assertThat(csv.get(arm + "_p50_ms")).as(arm).isPositive();
                assertThat(csv.get(arm + "_server_p99_ms")).as(arm).isPositive();
            }
            assertThat(csv.get("hybrid_qps_c2")).isPositive();
            assertThat(csv.get("hybrid_errors_c2")).isZero();
            assertThat(csv.get("recall_at_10")).isBetween(0.5, 1.0);
            // ~2 documents a bucket here: the filtered search is exact, and each query gets all its bucket holds
            assertThat(csv.get("recall_at_10_filtered1")).isEqualTo(1.0);
            assertThat(csv.get("recall_filtered1_short_answers")).isZero();
            assertThat(csv.get("thin_ratio")).isPositive();
            assertThat(csv.get("thin_ratio_child_server")).isPositive();
            assertThat(out.resolve("data-embedded-" + encoding.toLowerCase(java.util.Locale.ROOT))).doesNotExist();
        }
        assertThat(Files.readString(out.resolve("summary.md"))).contains("| figure | unit | embedded FLOAT32 |"
                + " embedded INT8 |", "| recall_at_10 |");
        assertThat(Files.readAllLines(out.resolve("runs.md"))).hasSize(2);
    }

    @Test
    void write() throws Exception {
        Path report = tmp.resolve("write.md");
        run(() -> WriteBench.main(new String[] {"--corpus", corpus.toString(), "--queries", queries.toString(),
                "--limit", "12", "--seconds", "1", "--patch", "6", "--bulk-size", "4", "--clients", "2",
                "--compare-micro-batch", "0", "--threads", "1", "--models", models.toString(),
                "--data-dir", tmp.resolve("write").toString(), "--out", report.toString()}));
        String out = Files.readString(report);
        assertThat(cell(out, "(a) mmsearch index", 3)).isPositive();
        assertThat(cell(out, "(a) bulk API", 3)).isPositive();
        assertThat(cell(out, "(b) single-document PUT", 3)).isPositive();
        assertThat(cell(out, "(c) search, hybrid, 1 client, idle", 3)).isPositive();
        assertThat(cell(out, "(d) speedup bulk merge / re-embed, same bodies (target >= 20)", 3)).isPositive();
        assertThat(cell(out, "(d) speedup single-document PATCH / re-embed", 3)).isPositive();
    }

    /**
     * mmsearch vs LanceDB on 300 SciFact documents and 8 queries: the Java side (files for LanceDB, mmsearch's build
     * and queries), the scoring and the BM25 analysis probe; LanceDB itself (node) is not run, its file is mmsearch's
     * own results renamed, so every ratio must come out 1.
     */
    @Test
    void lanceDbJavaSideAndScoring() throws Exception {
        Path out = tmp.resolve("lancedb");
        String printed = run(() -> LanceDbBench.main(new String[] {"prep", "--out", out.toString(),
                "--beir", shared.resolve("scifact").toString(), "--models", models.toString(), "--limit", "300",
                "--queries-limit", "8", "--warmup", "2", "--repeats", "1", "--build-repeats", "1"}));
        assertThat(printed).contains("mmsearch: 300 docs, 8 queries");
        assertThat(Files.readAllLines(out.resolve("docs.jsonl"))).hasSize(300);
        assertThat(AnnBench.readMatrix(out.resolve("docs.f32"))).hasNumberOfRows(300);
        float[][] q = AnnBench.readMatrix(out.resolve("queries.f32"));
        assertThat(q).hasNumberOfRows(8);
        assertThat(q[0]).hasSize(384);
        tools.jackson.databind.node.ObjectNode mm = (tools.jackson.databind.node.ObjectNode)
                dev.mmsearch.core.Json.MAPPER.readTree(Files.readString(out.resolve("mmsearch.json")));
        tools.jackson.databind.node.ObjectNode modes = (tools.jackson.databind.node.ObjectNode) mm.get("modes");
        assertThat(modes.propertyNames()).contains("dense", "bm25", "hybrid", "hybrid-rrf", "raw-knn", "raw-bm25");
        assertThat(modes.get("hybrid").get("ids").size()).isEqualTo(8);
        modes.set("fts", modes.get("bm25"));
        modes.set("hybrid-100", modes.get("hybrid"));
        modes.remove(List.of("bm25", "hybrid-rrf", "raw-knn", "raw-bm25"));
        ((tools.jackson.databind.node.ObjectNode) mm.get("meta")).put("diskBytes", mm.get("meta").get("indexBytes").asLong());
        Files.writeString(out.resolve("lancedb.json"), dev.mmsearch.core.Json.MAPPER.writeValueAsString(mm));
        String table = run(() -> LanceDbBench.main(new String[] {"score", "--out", out.toString(),
                "--beir", shared.resolve("scifact").toString()}));
        assertThat(cell(table, "dense / dense", 2)).isEqualTo(1.0);
        assertThat(cell(table, "bm25 / fts", 2)).isEqualTo(1.0);
        assertThat(cell(table, "hybrid / hybrid", 3)).isEqualTo(1.0);
        assertThat(cell(table, "mmsearch | hybrid", 2)).isBetween(0.0, 1.0);
        assertThat(cell(table, "build ms", 3)).isEqualTo(1.0);
        assertThat(Files.readString(out.resolve("table.md"))).isEqualTo(table.strip() + "\n");
        String analysis = run(() -> LanceDbBench.main(new String[] {"analysis", "--out", out.toString(),
                "--beir", shared.resolve("scifact").toString()}));
        assertThat(cell(analysis, "EnglishAnalyzer (the product's)", 1)).isBetween(0.0, 1.0);
        assertThat(cell(analysis, "like LanceDB's FTS", 2)).isBetween(0.0, 1.0);
    }

    @Test
    void filteredKnnProbeOnASmallKeywordCollection() throws Exception {
        Path root = tmp.resolve("probe-store");
        java.util.Random random = new java.util.Random(3);
        dev.mmsearch.core.ModelStamp stamp = new dev.mmsearch.core.ModelStamp("probe", "p".repeat(64), 16,
                dev.mmsearch.core.VectorSimilarity.COSINE);
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            SearchCollection collection = store.getOrCreate("probe",
                    new CollectionSchema("{title}", List.of("title"), List.of("bucket")), stamp);
            List<dev.mmsearch.core.EmbeddedDocument> documents = new java.util.ArrayList<>();
            for (int i = 0; i < 400; i++) {
                documents.add(new dev.mmsearch.core.EmbeddedDocument(new dev.mmsearch.core.Document("d" + i,
                        java.util.Map.of("title", "doc " + i, "bucket", "b" + (i % 20))), unit(random, 16)));
            }
            collection.upsert(documents);
            collection.commit();
        }
        float[][] queries = new float[20][];
        for (int q = 0; q < queries.length; q++) {
            queries[q] = unit(random, 16);
        }
        Path queryFile = tmp.resolve("probe-queries.f32");
        AnnBench.writeMatrix(queryFile, queries);
        String out = run(() -> FilteredKnnProbe.main(new String[] {"--collection", root.resolve("probe").toString(),
                "--queries", queryFile.toString(), "--nq", "20", "--values", "1,2", "--k", "20"}));
        assertThat(out).contains("400 documents, 20 queries, k=20, field kw.bucket (20 values)");
        assertThat(cell(out, "1 ", 1)).as("one value passes 20 documents").isEqualTo(20.0);
        assertThat(cell(out, "2 ", 1)).as("two values pass 40").isEqualTo(40.0);
        assertThat(cell(out, "2 ", 4)).as("graph overlap with exact").isBetween(0.0, 1.0);
    }

    private static float[] unit(java.util.Random random, int dimension) {
        float[] v = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return org.apache.lucene.util.VectorUtil.l2normalize(v);
    }
}
