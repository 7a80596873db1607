package dev.mmsearch.bench;

import dev.mmsearch.store.lucene.SelectiveFilterKnnQuery;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.MultiTerms;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * How a filtered kNN search costs on a real collection, graph vs exact, as the filter passes more documents: the
 * measurement behind {@code LuceneQueries.EXACT_FILTER_BELOW} (docs/benchmarks.md, "Issue 18: embedded at 1M").
 * Lucene alone on the collection's directory (no server, one thread), with the product's own
 * {@link SelectiveFilterKnnQuery} forced to each path. Filters OR 1..n values of a keyword field, rotating with the
 * query, so a value that passes ~1% of the documents gives filters of ~1%, ~2%, ... .
 *
 * <pre>
 * bench/run.sh filterprobe --collection DATA_DIR/collections/NAME --queries OUT/million.query.f32 \
 *     [--nq 300] [--values 1,2,3,5] [--k 100] [--field kw.bucket] [--vector-field _vector]
 * </pre>
 * {@code --queries}: the query matrix {@code AnnBench prepare} writes (the collection's model, unit length);
 * {@code --k}: candidates explored (the product's default numCandidates), of which the top 10 are compared;
 * {@code --field} / {@code --vector-field}: Lucene field names of the product's index layout (docs/architecture.md).
 * Prints one markdown row per filter width: documents passing (mean), p50 / p99 of each path, and the graph's
 * overlap@10 with the exact top 10.
 */
public final class FilteredKnnProbe {
    private static final int TOP = 10;

    private FilteredKnnProbe() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = AnnBench.parse(args);
        if (!opts.containsKey("--collection") || !opts.containsKey("--queries")) {
            throw new IllegalArgumentException("usage: FilteredKnnProbe --collection DIR --queries FILE.f32 [--nq 300]"
                    + " [--values 1,2,3,5] [--k 100] [--field kw.bucket] [--vector-field _vector]");
        }
        Path collection = Path.of(opts.get("--collection"));
        float[][] queries = AnnBench.readMatrix(Path.of(opts.get("--queries")));
        int nq = Math.min(queries.length, Integer.parseInt(opts.getOrDefault("--nq", "300")));
        int k = Integer.parseInt(opts.getOrDefault("--k", "100"));
        String field = opts.getOrDefault("--field", "kw.bucket");
        String vectorField = opts.getOrDefault("--vector-field", "_vector");
        List<Integer> widths = Arrays.stream(opts.getOrDefault("--values", "1,2,3,5").split(","))
                .map(Integer::parseInt).toList();
        try (DirectoryReader reader = DirectoryReader.open(new MMapDirectory(collection))) {
            IndexSearcher searcher = new IndexSearcher(reader);
            List<String> values = values(reader, field);
            if (values.isEmpty()) {
                throw new IllegalArgumentException("no terms in field " + field + " of " + collection);
            }
            System.out.printf(Locale.ROOT, "filtered kNN probe: %s, %d documents, %d queries, k=%d, field %s (%d values)%n",
                    collection, reader.numDocs(), nq, k, field, values.size());
            System.out.println("| values OR-ed | documents passing (mean) | graph p50 / p99 ms | exact p50 / p99 ms"
                    + " | graph overlap@10 with exact |");
            System.out.println("|---|---|---|---|---|");
            for (int width : widths) {
                double[] graph = new double[nq];
                double[] exact = new double[nq];
                double overlap = 0;
                long passing = 0;
                for (int i = 0; i < nq; i++) {
                    Query filter = filter(field, values, i, width);
                    passing += searcher.count(filter);
                    long t0 = System.nanoTime();
                    TopDocs approximate = searcher.search(new SelectiveFilterKnnQuery(vectorField, queries[i], k, filter, -1), TOP);
                    long t1 = System.nanoTime();
                    TopDocs truth = searcher.search(new SelectiveFilterKnnQuery(vectorField, queries[i], k, filter,
                            Integer.MAX_VALUE), TOP);
                    long t2 = System.nanoTime();
                    graph[i] = (t1 - t0) / 1e6;
                    exact[i] = (t2 - t1) / 1e6;
                    overlap += overlap(approximate, truth);
                }
                Percentiles g = new Percentiles(graph);
                Percentiles e = new Percentiles(exact);
                System.out.printf(Locale.ROOT, "| %d | %d | %.2f / %.2f | %.2f / %.2f | %.4f |%n", width, passing / nq,
                        g.at(50), g.at(99), e.at(50), e.at(99), overlap / nq);
            }
        }
    }

    /** The field's distinct values, sorted. */
    static List<String> values(DirectoryReader reader, String field) throws java.io.IOException {
        List<String> values = new ArrayList<>();
        Terms terms = MultiTerms.getTerms(reader, field);
        if (terms != null) {
            TermsEnum it = terms.iterator();
            for (BytesRef term = it.next(); term != null; term = it.next()) {
                values.add(term.utf8ToString());
            }
        }
        return values;
    }

    /** Query {@code i}'s filter: {@code width} consecutive values starting at {@code i}, OR-ed. */
    static Query filter(String field, List<String> values, int i, int width) {
        BooleanQuery.Builder any = new BooleanQuery.Builder();
        for (int v = 0; v < Math.min(width, values.size()); v++) {
            any.add(new TermQuery(new Term(field, values.get((i + v) % values.size()))), BooleanClause.Occur.SHOULD);
        }
        return new ConstantScoreQuery(any.build());
    }

    private static double overlap(TopDocs got, TopDocs truth) {
        Set<Integer> exact = new HashSet<>();
        for (ScoreDoc hit : truth.scoreDocs) {
            exact.add(hit.doc);
        }
        if (exact.isEmpty()) {
            return 1;
        }
        long found = Arrays.stream(got.scoreDocs).filter(hit -> exact.contains(hit.doc)).count();
        return found / (double) exact.size();
    }
}
