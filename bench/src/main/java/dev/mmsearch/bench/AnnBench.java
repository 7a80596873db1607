package dev.mmsearch.bench;

import dev.mmsearch.core.VectorQuery;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.HnswOptions;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.core.VectorSimilarity;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.ingest.CollectionImport;
import dev.mmsearch.ingest.ExportManifest;
import dev.mmsearch.store.lucene.LuceneCollection;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.lucene.util.VectorUtil;
import tools.jackson.databind.JsonNode;

/**
 * The Java half of the ANN comparison (bench/ann/run.sh runs it and then bench/ann/peers.py on the same files).
 *
 * <ul>
 *   <li>{@code prepare}: writes the data sets as little-endian files ({@code NAME.base.f32}, {@code NAME.query.f32}:
 *       int32 rows, int32 dims, then row-major float32; {@code NAME.gt.i32}: int32 rows, int32 k, then ids) and the
 *       exact top-10 by brute force. {@code scifact}: the corpus vectors read (read-only) from the cached BEIR
 *       collection and its 1,109 queries encoded with bge-small-en-v1.5. {@code synth}: clustered synthetic vectors
 *       (unit cluster centres plus a low-rank anisotropic offset plus small isotropic noise, normalised) and queries
 *       drawn near random clusters. {@code million}: the document vectors of an {@code mmsearch export}
 *       ({@code --export DIR}, the first {@code --limit N}; issue 18's 1M corpus) and the SciFact claims
 *       ({@code --queries}, the first {@code --nq}) encoded with the export's own model ({@code --models DIR}, the model
 *       cache). The exact top-10 is computed in blocks of 32 queries per pass over the base, on all cores.</li>
 *   <li>{@code lucene}: builds the project's collection (LuceneCollectionStore, FLOAT32 and INT8, the product's
 *       HNSW settings: maxConn 16, beamWidth 100) from each base file, reopens it from its last commit and measures
 *       recall@10 and single-thread QPS of {@code LuceneCollection.search(VectorQuery)} at each width
 *       (numCandidates = efSearch), the repeats interleaved across widths and encodings. Writes {@code lucene.csv}.</li>
 * </ul>
 */
public final class AnnBench {

    static final int K = 10;
    static final double MIN_SECONDS = 1.0;

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: AnnBench prepare|lucene|raw --out DIR [options]");
        }
        Map<String, String> opts = parse(Arrays.copyOfRange(args, 1, args.length));
        Path out = Path.of(opts.getOrDefault("--out", "target/ann"));
        Files.createDirectories(out);
        switch (args[0]) {
            case "prepare" -> prepare(out, opts);
            case "lucene" -> lucene(out, opts);
            case "raw" -> RawLuceneAnn.run(out, opts);
            default -> throw new IllegalArgumentException("unknown phase " + args[0]);
        }
    }

    // ---------------------------------------------------------------- prepare

    private static void prepare(Path out, Map<String, String> opts) throws IOException {
        List<String> sets = List.of(opts.getOrDefault("--sets", "scifact,synth").split(","));
        if (sets.contains("scifact")) {
            long t0 = System.nanoTime();
            Path cache = Path.of(opts.getOrDefault("--test-cache", "target/test-cache"));
            List<float[]> base = new ArrayList<>();
            // Read-only: forEachDocument over the last commit; the store is closed right after.
            try (LuceneCollectionStore store = new LuceneCollectionStore(cache.resolve("beir-collections"))) {
                store.get("beir-scifact-bge-small-en-v1-5").forEachDocument(d -> base.add(normalised(d.vector())));
            }
            List<float[]> queries = new ArrayList<>();
            try (ModelRegistry models = new ModelRegistry(cache.resolve("models"));
                 BufferedReader in = Files.newBufferedReader(Path.of(opts.getOrDefault("--queries",
                         "../shared/data/scifact/queries.jsonl")))) {
                TextEncoder encoder = models.textEncoder(ModelRegistry.DEFAULT_MODEL);
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (!line.isBlank()) {
                        JsonNode node = Json.MAPPER.readTree(line);
                        queries.add(normalised(encoder.encodeQuery(node.get("text").asString())));
                    }
                }
            }
            writeSet(out, "scifact", base.toArray(float[][]::new), queries.toArray(float[][]::new));
            System.out.printf(Locale.ROOT, "prepared scifact base=%d queries=%d in %.1f s%n", base.size(),
                    queries.size(), (System.nanoTime() - t0) / 1e9);
        }
        if (sets.contains("million")) {
            prepareFromExport(out, opts);
        }
        if (sets.contains("synth")) {
            long t0 = System.nanoTime();
            int n = Integer.parseInt(opts.getOrDefault("--n", "500000"));
            int dim = Integer.parseInt(opts.getOrDefault("--dim", "384"));
            int clusters = Integer.parseInt(opts.getOrDefault("--clusters", "1000"));
            int nq = Integer.parseInt(opts.getOrDefault("--nq", "1000"));
            long seed = Long.parseLong(opts.getOrDefault("--seed", "42"));
            Clustered gen = new Clustered(dim, clusters, 48, seed);
            float[][] base = new float[n][];
            IntStream.range(0, n).parallel().forEach(i -> base[i] = gen.sample(new SplittableRandom(seed * 31 + i)));
            float[][] queries = new float[nq][];
            IntStream.range(0, nq).forEach(i -> queries[i] = gen.sample(new SplittableRandom(-seed * 17 - i - 1)));
            writeSet(out, "synth", base, queries);
            System.out.printf(Locale.ROOT, "prepared synth base=%d dim=%d clusters=%d queries=%d in %.1f s%n", n, dim,
                    clusters, nq, (System.nanoTime() - t0) / 1e9);
        }
    }

    /** Thrown by the export reader's sink once {@code --limit} documents are in: ends the read early. */
    private static final class Enough extends RuntimeException {
        Enough() {
            super(null, null, false, false);
        }
    }

    /**
     * The {@code million} set: the document vectors of an {@code mmsearch export} (its manifest and shards checked as
     * {@code import} checks them; the first {@code --limit} documents in shard order, all by default) and the query
     * claims of {@code --queries} (SciFact's 1,109 by default; the first {@code --nq} of them) encoded with the
     * export's own model, which must be a registered text model whose stamp equals the export's (else
     * MODEL_MISMATCH: the vectors would not be comparable). Base row {@code i} is the {@code i}-th document read.
     */
    static void prepareFromExport(Path out, Map<String, String> opts) throws IOException {
        long t0 = System.nanoTime();
        String exportOpt = opts.get("--export");
        if (exportOpt == null) {
            throw new IllegalArgumentException("set 'million' needs --export DIR (a directory 'mmsearch export' wrote)");
        }
        Path export = Path.of(exportOpt);
        long limit = Long.parseLong(opts.getOrDefault("--limit", Long.toString(Long.MAX_VALUE)));
        int nq = Integer.parseInt(opts.getOrDefault("--nq", Integer.toString(Integer.MAX_VALUE)));
        if (limit < 1 || nq < 1) {
            throw new IllegalArgumentException("--limit and --nq must be positive, got " + limit + " and " + nq);
        }
        ExportManifest manifest = CollectionImport.verified(export);
        ModelStamp stamp = manifest.stamp();
        int capacity = (int) Math.min(Math.min(limit, manifest.count()), Integer.MAX_VALUE - 8);
        List<float[]> base = new ArrayList<>(capacity);
        try {
            CollectionImport.stream(export, manifest, 1000, batch -> {
                for (EmbeddedDocument d : batch) {
                    if (base.size() >= limit) {
                        throw new Enough();
                    }
                    base.add(normalised(d.vector()));
                }
            });
        } catch (Enough done) {
            // --limit reached: the rest of the export is not read
        }
        if (base.isEmpty()) {
            throw new IllegalArgumentException("export " + export + " holds no documents");
        }
        double readSeconds = (System.nanoTime() - t0) / 1e9;
        List<float[]> queries = new ArrayList<>();
        Path modelDir = Path.of(opts.getOrDefault("--models", "target/ann-models"));
        try (ModelRegistry models = new ModelRegistry(modelDir);
             BufferedReader in = Files.newBufferedReader(Path.of(opts.getOrDefault("--queries",
                     "../shared/data/scifact/queries.jsonl")))) {
            TextEncoder encoder = models.textEncoder(stamp.modelId());
            if (!encoder.stamp().equals(stamp)) {
                throw new MmsearchException(ErrorCode.MODEL_MISMATCH, "export " + export + " was embedded with "
                        + stamp + " but the registered model '" + stamp.modelId() + "' is " + encoder.stamp()
                        + "; its query vectors would not be comparable");
            }
            for (String line = in.readLine(); line != null && queries.size() < nq; line = in.readLine()) {
                if (!line.isBlank()) {
                    JsonNode node = Json.MAPPER.readTree(line);
                    queries.add(normalised(encoder.encodeQuery(node.get("text").asString())));
                }
            }
        }
        if (queries.isEmpty()) {
            throw new IllegalArgumentException("no queries in " + opts.getOrDefault("--queries",
                    "../shared/data/scifact/queries.jsonl"));
        }
        writeSet(out, "million", base.toArray(float[][]::new), queries.toArray(float[][]::new));
        System.out.printf(Locale.ROOT, "prepared million base=%d (of %d in %s, read in %.1f s) dim=%d model=%s "
                        + "queries=%d in %.1f s%n", base.size(), manifest.count(), export, readSeconds,
                stamp.dimension(), stamp.modelId(), queries.size(), (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Gaussian clusters that look like embeddings rather than uniform noise: a unit random centre per cluster, an
     * offset in a shared 48-dimensional subspace with decaying scale (low intrinsic dimension, as real embeddings
     * have) and a little isotropic noise, the sum normalised.
     */
    static final class Clustered {
        private final float[][] centres;
        private final float[][] basis;
        private final int dim;

        Clustered(int dim, int clusters, int rank, long seed) {
            this.dim = dim;
            SplittableRandom r = new SplittableRandom(seed);
            centres = new float[clusters][];
            for (int c = 0; c < clusters; c++) {
                centres[c] = normalised(gaussian(r, dim, 1f));
            }
            basis = new float[rank][];
            for (int j = 0; j < rank; j++) {
                float[] u = normalised(gaussian(r, dim, 1f));
                float scale = (float) (0.25 / Math.sqrt(j + 1));
                for (int d = 0; d < dim; d++) {
                    u[d] *= scale;
                }
                basis[j] = u;
            }
        }

        float[] sample(SplittableRandom r) {
            float[] v = gaussian(r, dim, 0.01f);
            float[] c = centres[r.nextInt(centres.length)];
            for (int d = 0; d < dim; d++) {
                v[d] += c[d];
            }
            for (float[] u : basis) {
                float g = (float) r.nextGaussian();
                for (int d = 0; d < dim; d++) {
                    v[d] += g * u[d];
                }
            }
            return normalised(v);
        }
    }

    private static float[] gaussian(SplittableRandom r, int dim, float sigma) {
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = (float) r.nextGaussian() * sigma;
        }
        return v;
    }

    static float[] normalised(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x * x;
        }
        float inv = (float) (1 / Math.sqrt(s));
        float[] o = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            o[i] = v[i] * inv;
        }
        return o;
    }

    private static void writeSet(Path out, String name, float[][] base, float[][] queries) throws IOException {
        writeMatrix(out.resolve(name + ".base.f32"), base);
        writeMatrix(out.resolve(name + ".query.f32"), queries);
        long t0 = System.nanoTime();
        // Exact top-10 by inner product (all vectors are unit length, so this is cosine), both cores.
        int[][] gt = exactTopK(base, queries, K);
        try (OutputStream o = Files.newOutputStream(out.resolve(name + ".gt.i32"))) {
            ByteBuffer b = ByteBuffer.allocate(8 + 4 * K * gt.length).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(gt.length).putInt(K);
            for (int[] row : gt) {
                for (int id : row) {
                    b.putInt(id);
                }
            }
            o.write(b.array());
        }
        System.out.printf(Locale.ROOT, "ground truth %s: %d queries x %d vectors in %.1f s%n", name, queries.length,
                base.length, (System.nanoTime() - t0) / 1e9);
    }

    /** Queries scored together in one pass over the base: each base vector is read from memory once per block. */
    private static final int GT_BLOCK = 32;

    /**
     * The exact top {@code k} of every query (ids best first, ties to the lower id), by brute force: blocks of
     * {@link #GT_BLOCK} queries in parallel, each block one pass over the base, so a million base vectors are streamed
     * from memory {@code queries / 32} times rather than once per query.
     */
    static int[][] exactTopK(float[][] base, float[][] queries, int k) {
        int[][] gt = new int[queries.length][];
        int blocks = (queries.length + GT_BLOCK - 1) / GT_BLOCK;
        IntStream.range(0, blocks).parallel().forEach(b -> {
            int from = b * GT_BLOCK;
            int to = Math.min(queries.length, from + GT_BLOCK);
            int width = Math.min(k, base.length);
            float[][] scores = new float[to - from][width];
            int[][] ids = new int[to - from][width];
            int[] filled = new int[to - from];
            for (int i = 0; i < base.length; i++) {
                float[] v = base[i];
                for (int q = from; q < to; q++) {
                    int j = q - from;
                    float s = VectorUtil.dotProduct(v, queries[q]);
                    float[] sc = scores[j];
                    int[] id = ids[j];
                    int n = filled[j];
                    if (n == width && s <= sc[width - 1]) {
                        continue;
                    }
                    // insertion into the sorted top list; an equal score stays behind (the lower id first)
                    int pos = n == width ? width - 1 : n;
                    while (pos > 0 && sc[pos - 1] < s) {
                        sc[pos] = sc[pos - 1];
                        id[pos] = id[pos - 1];
                        pos--;
                    }
                    sc[pos] = s;
                    id[pos] = i;
                    if (n < width) {
                        filled[j] = n + 1;
                    }
                }
            }
            for (int q = from; q < to; q++) {
                gt[q] = ids[q - from];
            }
        });
        return gt;
    }

    static void writeMatrix(Path file, float[][] rows) throws IOException {
        int dim = rows[0].length;
        try (OutputStream o = Files.newOutputStream(file)) {
            ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(rows.length).putInt(dim);
            o.write(head.array());
            ByteBuffer b = ByteBuffer.allocate(4 * dim * 1024).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < rows.length; i++) {
                for (float x : rows[i]) {
                    b.putFloat(x);
                }
                if (!b.hasRemaining() || i == rows.length - 1) {
                    o.write(b.array(), 0, b.position());
                    b.clear();
                }
            }
        }
    }

    static float[][] readMatrix(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 20))) {
            byte[] head = in.readNBytes(8);
            ByteBuffer h = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
            int n = h.getInt();
            int dim = h.getInt();
            float[][] rows = new float[n][dim];
            byte[] row = new byte[4 * dim];
            for (int i = 0; i < n; i++) {
                in.readFully(row);
                ByteBuffer.wrap(row).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(rows[i]);
            }
            return rows;
        }
    }

    static int[][] readIds(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int n = b.getInt();
        int k = b.getInt();
        int[][] ids = new int[n][k];
        for (int[] row : ids) {
            for (int j = 0; j < k; j++) {
                row[j] = b.getInt();
            }
        }
        return ids;
    }

    // ---------------------------------------------------------------- lucene

    private record Built(String set, VectorEncoding encoding, HnswOptions hnsw, LuceneCollectionStore store,
                         LuceneCollection collection, double buildSeconds, long indexBytes, long vectorBytes,
                         int segments) {
        /** {@code lucene-fp32}, {@code lucene-int8-m32}, {@code lucene-fp32-m24-bw200}: non-default options named. */
        String system(boolean forceMerge) {
            return "lucene-" + (encoding == VectorEncoding.FLOAT32 ? "fp32" : encoding.label())
                    + (hnsw.m() != HnswOptions.DEFAULT.m() ? "-m" + hnsw.m() : "")
                    + (hnsw.beamWidth() != HnswOptions.DEFAULT.beamWidth() ? "-bw" + hnsw.beamWidth() : "")
                    + (forceMerge ? "" : "-unmerged");
        }
    }

    /** {@code --hnsw 16/100,32/200}: the graph options to build each encoding with (M/beamWidth). */
    static List<HnswOptions> hnswOptions(String spec) {
        return Stream.of(spec.split(",")).map(String::strip).map(o -> {
            String[] parts = o.split("/");
            if (parts.length != 2) {
                throw new IllegalArgumentException("--hnsw takes M/beamWidth pairs like 16/100,32/100, got " + o);
            }
            return new HnswOptions(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        }).toList();
    }

    private static void lucene(Path out, Map<String, String> opts) throws IOException {
        List<String> sets = List.of(opts.getOrDefault("--sets", "scifact,synth").split(","));
        int[] widths = Arrays.stream(opts.getOrDefault("--widths", "10,20,40,80,120,200,300,500").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int repeats = Integer.parseInt(opts.getOrDefault("--repeats", "3"));
        List<VectorEncoding> encodings = Stream.of(opts.getOrDefault("--encodings", "FLOAT32,INT8").split(","))
                .map(VectorEncoding::valueOf).toList();
        // true: the collection as index/import leave it after a bulk load (SearchCollection.optimize, one segment);
        // false: the segments as written, without that merge ("-unmerged").
        boolean forceMerge = Boolean.parseBoolean(opts.getOrDefault("--force-merge", "true"));
        List<HnswOptions> graphs = hnswOptions(opts.getOrDefault("--hnsw", "16/100"));
        Path csv = out.resolve(opts.getOrDefault("--csv", "lucene.csv"));
        try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            w.write("dataset,system,width,repeat,recall,qps,build_s,index_bytes,mem_bytes,segments\n");
            for (String set : sets) {
                float[][] base = readMatrix(out.resolve(set + ".base.f32"));
                float[][] queries = readMatrix(out.resolve(set + ".query.f32"));
                int[][] gt = readIds(out.resolve(set + ".gt.i32"));
                List<Built> built = new ArrayList<>();
                try {
                    for (VectorEncoding encoding : encodings) {
                        for (HnswOptions hnsw : graphs) {
                            built.add(build(out.resolve("lucene-index"), set, encoding, hnsw, base, forceMerge));
                        }
                    }
                    base = null; // the collections read their own copies from disk now
                    for (Built b : built) { // warm-up: one pass at a middle width
                        sweep(b.collection(), queries, gt, 100);
                    }
                    for (int rep = 0; rep < repeats; rep++) {
                        for (int width : widths) {
                            for (Built b : built) {
                                double[] rq = sweep(b.collection(), queries, gt, width);
                                String system = b.system(forceMerge);
                                w.write(String.format(Locale.ROOT, "%s,%s,%d,%d,%.4f,%.1f,%.1f,%d,%d,%d%n", set, system,
                                        width, rep, rq[0], rq[1], b.buildSeconds(), b.indexBytes(), b.vectorBytes(),
                                        b.segments()));
                                System.out.printf(Locale.ROOT, "%s %s width=%d rep=%d recall@10=%.4f qps=%.1f%n", set,
                                        system, width, rep, rq[0], rq[1]);
                            }
                            w.flush();
                        }
                    }
                } finally {
                    for (Built b : built) {
                        b.store().close();
                    }
                    deleteTree(out.resolve("lucene-index"));
                }
            }
        }
    }

    private static Built build(Path root, String set, VectorEncoding encoding, HnswOptions hnsw, float[][] base,
                               boolean forceMerge) throws IOException {
        Path dir = root.resolve(set + "-" + encoding.name().toLowerCase(Locale.ROOT) + "-m" + hnsw.m() + "-bw"
                + hnsw.beamWidth());
        deleteTree(dir);
        Files.createDirectories(dir);
        String name = "ann";
        ModelStamp stamp = new ModelStamp("ann-bench-" + set, "none", base[0].length, VectorSimilarity.COSINE);
        CollectionSchema schema = new CollectionSchema("{text}", List.of("text"), List.of()).withHnsw(hnsw);
        long t0 = System.nanoTime();
        try (LuceneCollectionStore store = new LuceneCollectionStore(dir)) {
            SearchCollection c = store.getOrCreate(name, schema, stamp, encoding);
            List<EmbeddedDocument> batch = new ArrayList<>(1000);
            for (int i = 0; i < base.length; i++) {
                batch.add(new EmbeddedDocument(new Document(Integer.toString(i), Map.of()), base[i]));
                if (batch.size() == 1000 || i == base.length - 1) {
                    c.upsert(batch);
                    batch.clear();
                }
            }
            c.commit();
            if (forceMerge) {
                c.optimize(); // what Indexer and CollectionImport do after a bulk load
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        // Searches run on the collection reopened from its last commit, as a restarted server would.
        LuceneCollectionStore store = new LuceneCollectionStore(dir);
        LuceneCollection collection = store.get(name);
        long indexBytes = sizeOf(dir, f -> true);
        // What HNSW search touches off-heap: the vectors it scores (.vec, or .veq when quantised) and the graph (.vex).
        long vectorBytes = sizeOf(dir, f -> encoding != VectorEncoding.FLOAT32
                ? f.endsWith(".veq") || f.endsWith(".vex") || f.endsWith(".vemq")
                : f.endsWith(".vec") || f.endsWith(".vex"));
        int segments;
        try (org.apache.lucene.store.Directory d = org.apache.lucene.store.FSDirectory.open(collection.path())) {
            segments = org.apache.lucene.index.SegmentInfos.readLatestCommit(d).size();
        }
        System.out.printf(Locale.ROOT, "built %s %s %s: %d vectors in %.1f s, %d segments, index %d MB, hnsw %d MB%n", set,
                encoding, hnsw, base.length, seconds, segments, indexBytes >> 20, vectorBytes >> 20);
        return new Built(set, encoding, hnsw, store, collection, seconds, indexBytes, vectorBytes, segments);
    }

    /** Recall@10 and queries per second over all queries, one thread. */
    private static double[] sweep(LuceneCollection c, float[][] queries, int[][] gt, int width) {
        int hits = 0;
        int total = 0;
        long t0 = System.nanoTime();
        List<List<dev.mmsearch.core.ScoredId>> results = new ArrayList<>(queries.length);
        int passes = 0;
        // Whole passes over the queries until at least MIN_SECONDS: short windows are all noise on a shared machine.
        do {
            results.clear();
            for (float[] q : queries) {
                results.add(c.search(VectorQuery.of(q, K, width)));
            }
            passes++;
        } while (System.nanoTime() - t0 < MIN_SECONDS * 1e9);
        double seconds = (System.nanoTime() - t0) / 1e9 / passes;
        for (int i = 0; i < queries.length; i++) {
            Set<Integer> truth = new HashSet<>();
            for (int id : gt[i]) {
                truth.add(id);
            }
            for (var r : results.get(i)) {
                if (truth.contains(Integer.parseInt(r.id()))) {
                    hits++;
                }
            }
            total += gt[i].length;
        }
        return new double[] {hits / (double) total, queries.length / seconds};
    }

    static long sizeOf(Path dir, java.util.function.Predicate<String> name) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).filter(p -> name.test(p.getFileName().toString()))
                    .mapToLong(p -> p.toFile().length()).sum();
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i], args[i + 1]);
        }
        return opts;
    }

    private AnnBench() {
    }
}
