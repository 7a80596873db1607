package dev.mmsearch.bench;

import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.ingest.CollectionImport;
import dev.mmsearch.ingest.ExportManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.lucene.util.VectorUtil;
import dev.mmsearch.bench.MillionBench.Options;

import static dev.mmsearch.bench.MillionBench.BUCKETS;
import static dev.mmsearch.bench.MillionBench.progress;

/**
 * {@link MillionBench}'s ground truth: the exact top-10 of the sample queries by brute force over the export's
 * vectors (streamed, unfiltered and within each query's ~1% bucket), and the recall overlap against it.
 */
final class MillionExact {

    /** The exact top-10 of each sample query, unfiltered and within its bucket, and each bucket's size. */
    record Exact(List<List<String>> unfiltered, List<List<String>> filtered, List<Integer> filteredSize) {
        static final int K = 10;
    }

    /**
     * One streamed pass over the export: every document's normalised vector scored against every sample query
     * (cosine), kept in the query's top 10, and in its filtered top 10 when the document's bucket is the query's.
     */
    static Exact exact(Options opt, ExportManifest manifest, List<String> sample) throws Exception {
        Path cache = opt.out().resolve(String.format(Locale.ROOT, "exact-%d-%d.tsv", manifest.count(), sample.size()));
        if (Files.exists(cache)) {
            List<List<String>> u = new ArrayList<>();
            List<List<String>> f = new ArrayList<>();
            List<Integer> sizes = new ArrayList<>();
            for (String line : Files.readAllLines(cache)) {
                String[] parts = line.split("\t", -1);
                u.add(parts[0].isEmpty() ? List.of() : List.of(parts[0].split(",")));
                f.add(parts[1].isEmpty() ? List.of() : List.of(parts[1].split(",")));
                sizes.add(Integer.parseInt(parts[2]));
            }
            progress("exact top-10s read from %s", cache);
            return new Exact(u, f, sizes);
        }
        long t0 = System.nanoTime();
        float[][] queries = new float[sample.size()][];
        try (ModelRegistry models = new ModelRegistry(opt.models())) {
            TextEncoder encoder = models.textEncoder(manifest.stamp().modelId());
            ModelStamp stamp = manifest.stamp();
            if (!encoder.stamp().equals(stamp)) {
                throw new MmsearchException(ErrorCode.MODEL_MISMATCH, "export " + opt.export() + " was embedded with "
                        + stamp + " but the registered model is " + encoder.stamp());
            }
            // One query per call, as the server encodes them: a dynamically quantised model's activations are
            // scaled per batch, so a query encoded in a batch of 32 is not the vector the server searches with.
            for (int q = 0; q < sample.size(); q++) {
                queries[q] = AnnBench.normalised(encoder.encodeQuery(sample.get(q)));
            }
        }
        int nq = queries.length;
        TopK[] all = new TopK[nq];
        TopK[] filtered = new TopK[nq];
        int[] sizes = new int[nq];
        for (int q = 0; q < nq; q++) {
            all[q] = new TopK(Exact.K);
            filtered[q] = new TopK(Exact.K);
        }
        progress("exact search: %d queries x %,d documents (brute force, %d cores)", nq, manifest.count(),
                Runtime.getRuntime().availableProcessors());
        CollectionImport.stream(opt.export(), manifest, 2048, batch -> {
            int size = batch.size();
            float[][] vectors = new float[size][];
            String[] ids = new String[size];
            int[] buckets = new int[size];
            for (int d = 0; d < size; d++) {
                EmbeddedDocument doc = batch.get(d);
                vectors[d] = AnnBench.normalised(doc.vector());
                ids[d] = doc.id();
                Object b = doc.document().fields().get("bucket");
                buckets[d] = b == null ? -1 : bucketIndex(b.toString());
            }
            IntStream.range(0, nq).parallel().forEach(q -> {
                int qb = Math.floorMod(q, BUCKETS);
                for (int d = 0; d < size; d++) {
                    float s = VectorUtil.dotProduct(vectors[d], queries[q]);
                    all[q].offer(s, ids[d]);
                    if (buckets[d] == qb) {
                        filtered[q].offer(s, ids[d]);
                        sizes[q]++;
                    }
                }
            });
        });
        List<List<String>> u = new ArrayList<>();
        List<List<String>> f = new ArrayList<>();
        List<Integer> sz = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (int q = 0; q < nq; q++) {
            u.add(all[q].ids());
            f.add(filtered[q].ids());
            sz.add(sizes[q]);
            lines.add(String.join(",", u.getLast()) + "\t" + String.join(",", f.getLast()) + "\t" + sizes[q]);
        }
        Files.write(cache, lines);
        progress("exact search done in %.1f s (cached in %s)", (System.nanoTime() - t0) / 1e9, cache);
        return new Exact(u, f, sz);
    }

    /** The best {@code k} (score, id) pairs offered, best first. */
    static final class TopK {
        private final float[] scores;
        private final String[] ids;
        private int size;

        TopK(int k) {
            scores = new float[k];
            ids = new String[k];
        }

        void offer(float score, String id) {
            int k = scores.length;
            if (size == k && score <= scores[k - 1]) {
                return;
            }
            int pos = size == k ? k - 1 : size;
            while (pos > 0 && scores[pos - 1] < score) {
                scores[pos] = scores[pos - 1];
                ids[pos] = ids[pos - 1];
                pos--;
            }
            scores[pos] = score;
            ids[pos] = id;
            if (size < k) {
                size++;
            }
        }

        List<String> ids() {
            return List.of(Arrays.copyOf(ids, size));
        }
    }

    /** {@code b07} -> 7; -1 for a value outside b00..b99. */
    static int bucketIndex(String bucket) {
        if (bucket.length() == 3 && bucket.charAt(0) == 'b' && Character.isDigit(bucket.charAt(1))
                && Character.isDigit(bucket.charAt(2))) {
            return Integer.parseInt(bucket.substring(1));
        }
        return -1;
    }

    /** The ~1% filter of query {@code i}: bucket {@code b(i mod 100)}. */
    static Map<String, Object> bucketFilter(int i) {
        return Map.of("term", Map.of("bucket", String.format(Locale.ROOT, "b%02d", Math.floorMod(i, BUCKETS))));
    }

    /** Share of {@code expected} found in {@code got}; 1 when nothing is expected. */
    static double overlap(List<String> expected, List<String> got) {
        if (expected.isEmpty()) {
            return 1;
        }
        Set<String> want = new HashSet<>(expected);
        return got.stream().filter(want::contains).count() / (double) expected.size();
    }

    private MillionExact() {
    }
}
