package dev.mmsearch.bench;

import dev.mmsearch.core.Json;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import tools.jackson.databind.JsonNode;

/**
 * Capacity planning for docs/scaling.md: bytes per document (vectors at fp32/int8 for 384-d and 512-d, HNSW graph,
 * stored fields and BM25 postings), shards, replicas, nodes and memory per node for 10M and 100M documents, and the
 * latency effect of query fan-out over the shards (a seeded Monte-Carlo simulation, so the output is the same on
 * every run with the same inputs).
 *
 * <p>Measured inputs: the average SciFact document ({@code --corpus}, title + text in UTF-8) and the per-document
 * bytes of each part of a real Lucene index of it ({@code --index}, the encoded-corpus cache; its commit is only
 * read). Everything else is a formula whose constants are flags: {@code --m 16}, {@code --replicas 1},
 * {@code --node-ram-gb 64}, {@code --heap-gb 16}, {@code --os-reserve-gb 4}, {@code --headroom 1.25},
 * {@code --max-shard-gb 40}, {@code --shard-p50-ms 0.55}, {@code --shard-p99-ms 6.5} (one shard's raw kNN latency
 * at {@code --measured-docs 5183} documents: the embedded store's figures of {@code bench/run.sh stores} on the
 * 2-core development machine), {@code --coordinator-ms 3.6} (the OpenSearch 1-node kNN p50 minus the embedded
 * one: HTTP, JSON and the coordinating node, paid once per query).
 *
 * <p>Usage: {@code bench/run.sh capacity [--corpus FILE] [--index DIR] [flags above]}. Prints a Markdown report.
 */
public final class CapacityPlan {
    private static final long GIB = 1L << 30;

    private CapacityPlan() {
    }

    /** Bytes per document of one part of an index, measured or from a formula. */
    private record PerDoc(double vectorsFp32, double graph, double stored, double postings, double other) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = SearchLatencyBench.parse(args);
        Path corpus = Path.of(opts.getOrDefault("--corpus", "../shared/data/scifact/corpus.jsonl"));
        Path index = Path.of(opts.getOrDefault("--index",
                "target/test-cache/beir-collections/beir-scifact-bge-small-en-v1-5"));
        int m = Integer.parseInt(opts.getOrDefault("--m", "16"));
        int replicas = Integer.parseInt(opts.getOrDefault("--replicas", "1"));
        double nodeRamGb = Double.parseDouble(opts.getOrDefault("--node-ram-gb", "64"));
        double heapGb = Double.parseDouble(opts.getOrDefault("--heap-gb", "16"));
        double osReserveGb = Double.parseDouble(opts.getOrDefault("--os-reserve-gb", "4"));
        double headroom = Double.parseDouble(opts.getOrDefault("--headroom", "1.25"));
        double maxShardGb = Double.parseDouble(opts.getOrDefault("--max-shard-gb", "40"));
        double shardP50 = Double.parseDouble(opts.getOrDefault("--shard-p50-ms", "0.55"));
        double shardP99 = Double.parseDouble(opts.getOrDefault("--shard-p99-ms", "6.5"));
        long measuredDocs = Long.parseLong(opts.getOrDefault("--measured-docs", "5183"));
        double coordinatorMs = Double.parseDouble(opts.getOrDefault("--coordinator-ms", "3.6"));

        StringBuilder out = new StringBuilder();
        // 1. Measured: the average document and the index parts per document.
        double[] docStats = averageDocument(corpus);
        out.append(String.format(Locale.ROOT, "### Measured on SciFact%n%n"
                        + "corpus %s: %d documents, average title+text %.0f bytes (UTF-8), average JSON line %.0f bytes%n%n",
                corpus.getFileName(), (long) docStats[0], docStats[1], docStats[2]));
        Map<String, Double> measured = Files.isDirectory(index) ? measureIndex(index) : Map.of();
        if (measured.isEmpty()) {
            out.append("(no Lucene index at ").append(index).append(": index parts not measured)\n\n");
        } else {
            out.append(String.format(Locale.ROOT, "Lucene index %s, non-compound segments (%.0f documents), bytes per"
                    + " document:%n%n| part | files | bytes/doc |%n|---|---|---|%n", index.getFileName(),
                    measured.get("docs")));
            for (String part : List.of("vectors", "graph", "stored", "postings", "other")) {
                out.append(String.format(Locale.ROOT, "| %s | %s | %.1f |%n", part, FILES.get(part),
                        measured.get(part)));
            }
            out.append(String.format(Locale.ROOT, "%nvectors/doc = %.1f = 384 x 4 bytes (fp32); the graph is %.1f"
                            + " bytes/vector on disk (Lucene compresses neighbour lists) against the %.1f of the"
                            + " uncompressed formula below.%n%n", measured.get("vectors"), measured.get("graph"),
                    graphBytes(m)));
        }
        double textPerDoc = measured.isEmpty() ? docStats[1] * 0.9 : measured.get("stored");
        double postingsPerDoc = measured.isEmpty() ? docStats[1] * 0.3 : measured.get("postings");
        double otherPerDoc = measured.isEmpty() ? 8 : measured.get("other");

        // 2. Bytes per vector.
        out.append(String.format(Locale.ROOT, "### Bytes per vector (M=%d)%n%n"
                + "HNSW graph, uncompressed: level 0 holds 2M neighbours x 4 bytes = %d; a node reaches level l >= 1"
                + " with probability M^-l, so upper levels add M x 4 x 1/(M-1) = %.1f; total %.1f bytes/vector."
                + "%n%n| dims | fp32 vector | int8 vector (+4 B correction) | graph | hot set fp32 | hot set int8 |"
                + "%n|---|---|---|---|---|---|%n", m, 2 * m * 4, 4.0 * m / (m - 1), graphBytes(m)));
        for (int dims : new int[] {384, 512}) {
            out.append(String.format(Locale.ROOT, "| %d | %d | %d | %.1f | %.1f | %.1f |%n", dims, 4 * dims,
                    dims + 4, graphBytes(m), 4 * dims + graphBytes(m), dims + 4 + graphBytes(m)));
        }
        out.append("\nThe hot set (what kNN search touches and must be in the page cache) is the vectors the graph"
                + " is searched with plus the graph. With int8 the fp32 vectors stay on disk too (for merges and"
                + " re-scoring) but need not be cached.\n\n");

        // 3. Plans.
        out.append(String.format(Locale.ROOT, "### Plans (replicas=%d, node RAM %.0f GiB = heap %.0f + OS %.0f + page"
                        + " cache %.0f; hot set x %.2f headroom must fit the page cache; shards <= %.0f GiB)%n%n"
                        + "Per document besides vectors: stored fields %.0f B, postings %.0f B, other %.0f B"
                        + " (SciFact-sized documents; scale with your average document size).%n%n"
                        + "| docs | dims | vectors | disk/copy GiB | hot set/copy GiB | primaries | copies | nodes |"
                        + " disk/node GiB | page cache needed/node GiB | RAM/node GiB |%n"
                        + "|---|---|---|---|---|---|---|---|---|---|---|%n", replicas, nodeRamGb, heapGb, osReserveGb,
                nodeRamGb - heapGb - osReserveGb, headroom, maxShardGb, textPerDoc, postingsPerDoc, otherPerDoc));
        double pageCachePerNode = nodeRamGb - heapGb - osReserveGb;
        Map<String, Integer> shardsFor = new LinkedHashMap<>();
        for (long docs : new long[] {10_000_000L, 100_000_000L}) {
            for (int dims : new int[] {384, 512}) {
                for (String encoding : List.of("fp32", "int8")) {
                    boolean int8 = encoding.equals("int8");
                    double vectorHot = int8 ? dims + 4 : 4.0 * dims;
                    double diskPerDoc = 4.0 * dims + (int8 ? dims + 4 : 0) + graphBytes(m) + textPerDoc
                            + postingsPerDoc + otherPerDoc;
                    double hotPerDoc = vectorHot + graphBytes(m);
                    double diskGb = docs * diskPerDoc / GIB;
                    double hotGb = docs * hotPerDoc / GIB;
                    int copies = replicas + 1;
                    int nodes = Math.max(copies, (int) Math.ceil(hotGb * copies * headroom / pageCachePerNode));
                    int primaries = Math.max((int) Math.ceil(diskGb / maxShardGb), (int) Math.ceil((double) nodes / copies));
                    // Round so that every node holds the same number of shard copies.
                    while ((primaries * copies) % nodes != 0) {
                        primaries++;
                    }
                    shardsFor.put(docs + "/" + dims + "/" + encoding, primaries);
                    double cacheNeed = hotGb * copies * headroom / nodes;
                    out.append(String.format(Locale.ROOT, "| %s | %d | %s | %.0f | %.1f | %d | %d | %d | %.0f | %.1f"
                                    + " | %.0f |%n", docs == 10_000_000L ? "10M" : "100M", dims, encoding, diskGb,
                            hotGb, primaries, copies, nodes, diskGb * copies / nodes, cacheNeed,
                            heapGb + osReserveGb + cacheNeed));
                }
            }
        }
        out.append("\nThe OpenSearch store indexes fp32 only (the k-NN plugin's Lucene engine in 2.19 has no int8);"
                + " the int8 rows apply to the embedded store (--vector-encoding int8) and to a later engine.\n\n");

        // 4. Fan-out.
        out.append(String.format(Locale.ROOT, "### Query fan-out (simulation)%n%n"
                        + "A query searches one copy of every primary shard in parallel and waits for the slowest:"
                        + " latency = %.1f ms coordination + max over shards. One shard's kNN latency is log-normal"
                        + " with p50 %.2f ms and p99 %.2f ms at %d documents (measured), scaled by"
                        + " ln(docs per shard)/ln(%d) for the deeper HNSW graph. 200,000 simulated queries, seed"
                        + " 42.%n%n| docs | primaries | docs/shard | shard p50 ms | query p50 ms | query p99 ms |%n"
                        + "|---|---|---|---|---|---|%n", coordinatorMs, shardP50, shardP99, measuredDocs,
                measuredDocs));
        double sigma = Math.log(shardP99 / shardP50) / 2.326;
        for (long docs : new long[] {10_000_000L, 100_000_000L}) {
            for (int shards : List.of(1, shardsFor.get(docs + "/384/fp32"), shardsFor.get(docs + "/512/fp32"),
                    4 * shardsFor.get(docs + "/512/fp32")).stream().distinct().sorted().toList()) {
                double perShard = (double) docs / shards;
                double median = shardP50 * Math.log(perShard) / Math.log(measuredDocs);
                double[] simulated = simulate(shards, median, sigma, coordinatorMs, 200_000, new Random(42));
                out.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.2f | %.2f | %.2f |%n",
                        docs == 10_000_000L ? "10M" : "100M", shards, perShard, median, simulated[0], simulated[1]));
            }
        }
        out.append("\nMore shards make each shard's graph smaller (cheaper per shard, in parallel on more cores) but"
                + " a query waits for the slowest of them, so p99 grows with the fan-out: keep the shard count as low"
                + " as the shard size limit and the node count allow.\n");
        // A planning tool's report is its output: stdout is the right place for it.
        System.out.print(out);
    }

    private static final Map<String, String> FILES = Map.of(
            "vectors", ".vec", "graph", ".vex", "stored", ".fdt .fdx .fdm",
            "postings", ".doc .pos .pay .tim .tip .tmd .psm", "other", "norms, doc values, metadata");

    /** Uncompressed HNSW graph bytes per vector: 2M links on level 0, M links on each level above it. */
    static double graphBytes(int m) {
        return 2 * m * 4 + 4.0 * m / (m - 1);
    }

    /** [documents, average title+text UTF-8 bytes, average line bytes] of a BEIR corpus file. */
    static double[] averageDocument(Path corpus) throws Exception {
        long docs = 0;
        long textBytes = 0;
        long lineBytes = 0;
        try (BufferedReader reader = Files.newBufferedReader(corpus, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node = Json.MAPPER.readTree(line);
                docs++;
                lineBytes += line.getBytes(StandardCharsets.UTF_8).length;
                for (String field : List.of("title", "text")) {
                    if (node.has(field)) {
                        textBytes += node.get(field).asString().getBytes(StandardCharsets.UTF_8).length;
                    }
                }
            }
        }
        return new double[] {docs, (double) textBytes / docs, (double) lineBytes / docs};
    }

    /**
     * Bytes per document of each index part over the non-compound segments of the latest commit (a compound
     * file cannot be split into parts). Reads the commit point only; takes no lock.
     */
    static Map<String, Double> measureIndex(Path dir) throws Exception {
        Map<String, Double> bytes = new LinkedHashMap<>();
        for (String part : List.of("vectors", "graph", "stored", "postings", "other")) {
            bytes.put(part, 0.0);
        }
        long docs = 0;
        try (Directory directory = FSDirectory.open(dir)) {
            SegmentInfos infos = SegmentInfos.readLatestCommit(directory);
            for (SegmentCommitInfo segment : infos) {
                if (segment.info.getUseCompoundFile()) {
                    continue;
                }
                docs += segment.info.maxDoc();
                for (String file : segment.files()) {
                    bytes.merge(part(file), (double) directory.fileLength(file), Double::sum);
                }
            }
        }
        if (docs == 0) {
            return Map.of();
        }
        Map<String, Double> perDoc = new LinkedHashMap<>();
        final long total = docs;
        bytes.forEach((part, b) -> perDoc.put(part, b / total));
        perDoc.put("docs", (double) docs);
        return perDoc;
    }

    private static String part(String file) {
        String ext = file.substring(file.lastIndexOf('.') + 1);
        return switch (ext) {
            case "vec" -> "vectors";
            case "vex" -> "graph";
            case "fdt", "fdx", "fdm" -> "stored";
            case "doc", "pos", "pay", "tim", "tip", "tmd", "psm" -> "postings";
            default -> "other";
        };
    }

    /** [p50, p99] of coordinator + max over {@code shards} log-normal shard latencies. */
    static double[] simulate(int shards, double median, double sigma, double coordinatorMs, int queries,
                             Random random) {
        double[] latencies = new double[queries];
        double mu = Math.log(median);
        for (int q = 0; q < queries; q++) {
            double max = 0;
            for (int s = 0; s < shards; s++) {
                max = Math.max(max, Math.exp(mu + sigma * random.nextGaussian()));
            }
            latencies[q] = coordinatorMs + max;
        }
        Arrays.sort(latencies);
        return new double[] {latencies[(int) Math.ceil(0.5 * queries) - 1], latencies[(int) Math.ceil(0.99 * queries) - 1]};
    }
}
