package dev.mmsearch.bench;

import dev.mmsearch.core.HnswOptions;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.RescoreTopNQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.quantization.QuantizedByteVectorValues.ScalarEncoding;

/**
 * {@code AnnBench raw}: Lucene 10.6 itself, without the product around it, on the same files: an {@link IndexWriter}
 * with the vector format of each {@code --formats} entry (fp32: {@link Lucene99HnswVectorsFormat}; int8, int7, int4,
 * int2, int1: {@link Lucene104HnswScalarQuantizedVectorsFormat} with {@link ScalarEncoding} UNSIGNED_BYTE, SEVEN_BIT,
 * PACKED_NIBBLE, DIBIT_QUERY_NIBBLE, SINGLE_BIT_QUERY_NIBBLE), COSINE (or {@code --similarity dot}: DOT_PRODUCT,
 * rows {@code -dot}), force-merged to one segment, searched with
 * one {@link IndexSearcher} and a bare {@link KnnFloatVectorQuery} per query (ids from a doc-id table read once).
 * Quantised formats are measured as searched ({@code -os1}: the top 10 by quantised score) and with oversampling
 * {@code o} ({@code --oversample 3,...}): the graph searched with a beam of {@code max(width, 10 o)} and its top
 * {@code 10 o} rescored with the float vectors kept in the segment ({@link RescoreTopNQuery#createFullPrecisionRescorerQuery}),
 * as Elasticsearch's {@code rescore_vector.oversample}. Rows {@code raw-int4-os3} etc. in {@code raw.csv}, the same
 * columns as {@code lucene.csv}.
 *
 * <p>It answers two questions: which of Lucene's quantisations are worth a product encoding (recall after rescoring,
 * QPS, bytes searched), and how much of the product's per-query time is outside Lucene's own search
 * ({@code raw-fp32} against {@code lucene-fp32} on the same graph options: the searcher acquire, checks and the id
 * read of {@code LuceneCollection.search}).
 */
final class RawLuceneAnn {
    static final String FIELD = "v";
    static final String ID = "row";

    private record Built(String format, HnswOptions hnsw, VectorSimilarityFunction similarity, Directory dir, DirectoryReader reader, IndexSearcher searcher,
                         int[] rowOfDoc, double buildSeconds, long indexBytes, long searchedBytes) {
        String system(int oversample) {
            return "raw-" + format + (hnsw.m() != 16 ? "-m" + hnsw.m() : "")
                    + (hnsw.beamWidth() != 100 ? "-bw" + hnsw.beamWidth() : "")
                    + (similarity == VectorSimilarityFunction.COSINE ? "" : "-dot")
                    + (format.equals("fp32") ? "" : "-os" + oversample);
        }
    }

    static KnnVectorsFormat format(String name, HnswOptions hnsw) {
        return switch (name) {
            case "fp32" -> new Lucene99HnswVectorsFormat(hnsw.m(), hnsw.beamWidth());
            case "int8" -> quantised(ScalarEncoding.UNSIGNED_BYTE, hnsw);
            case "int7" -> quantised(ScalarEncoding.SEVEN_BIT, hnsw);
            case "int4" -> quantised(ScalarEncoding.PACKED_NIBBLE, hnsw);
            case "int2" -> quantised(ScalarEncoding.DIBIT_QUERY_NIBBLE, hnsw);
            case "int1" -> quantised(ScalarEncoding.SINGLE_BIT_QUERY_NIBBLE, hnsw);
            default -> throw new IllegalArgumentException("unknown --formats entry '" + name
                    + "'; use fp32, int8, int7, int4, int2, int1");
        };
    }

    private static KnnVectorsFormat quantised(ScalarEncoding encoding, HnswOptions hnsw) {
        return new Lucene104HnswScalarQuantizedVectorsFormat(encoding, hnsw.m(), hnsw.beamWidth());
    }

    static void run(Path out, Map<String, String> opts) throws IOException {
        List<String> sets = List.of(opts.getOrDefault("--sets", "synth").split(","));
        int[] widths = ints(opts.getOrDefault("--widths", "10,20,40,80,120,200,300,500"));
        int[] oversample = ints(opts.getOrDefault("--oversample", "1,3"));
        int repeats = Integer.parseInt(opts.getOrDefault("--repeats", "3"));
        List<String> formats = List.of(opts.getOrDefault("--formats", "fp32,int8,int4,int1").split(","));
        formats.forEach(f -> format(f, HnswOptions.DEFAULT)); // unknown names fail before anything is built
        List<HnswOptions> graphs = AnnBench.hnswOptions(opts.getOrDefault("--hnsw", "16/100"));
        List<VectorSimilarityFunction> similarities = Stream.of(opts.getOrDefault("--similarity", "cosine").split(","))
                .map(RawLuceneAnn::similarity).toList();
        Path csv = out.resolve(opts.getOrDefault("--csv", "raw.csv"));
        try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            w.write("dataset,system,width,repeat,recall,qps,build_s,index_bytes,mem_bytes,segments\n");
            for (String set : sets) {
                float[][] base = AnnBench.readMatrix(out.resolve(set + ".base.f32"));
                float[][] queries = AnnBench.readMatrix(out.resolve(set + ".query.f32"));
                int[][] gt = AnnBench.readIds(out.resolve(set + ".gt.i32"));
                List<Built> built = new ArrayList<>();
                Path root = out.resolve("raw-index");
                try {
                    for (String format : formats) {
                        for (HnswOptions hnsw : graphs) {
                            for (VectorSimilarityFunction similarity : similarities) {
                                built.add(build(root, set, format, hnsw, similarity, base));
                            }
                        }
                    }
                    base = null;
                    for (Built b : built) {
                        sweep(b, queries, gt, 100, 1);
                    }
                    for (int rep = 0; rep < repeats; rep++) {
                        for (int width : widths) {
                            for (Built b : built) {
                                for (int o : b.format().equals("fp32") ? new int[] {1} : oversample) {
                                    double[] rq = sweep(b, queries, gt, width, o);
                                    w.write(String.format(Locale.ROOT, "%s,%s,%d,%d,%.4f,%.1f,%.1f,%d,%d,1%n", set,
                                            b.system(o), width, rep, rq[0], rq[1], b.buildSeconds(), b.indexBytes(),
                                            b.searchedBytes()));
                                    System.out.printf(Locale.ROOT, "%s %s width=%d rep=%d recall@10=%.4f qps=%.1f%n",
                                            set, b.system(o), width, rep, rq[0], rq[1]);
                                }
                            }
                            w.flush();
                        }
                    }
                } finally {
                    for (Built b : built) {
                        b.reader().close();
                        b.dir().close();
                    }
                    AnnBench.deleteTree(root);
                }
            }
        }
    }

    /**
     * {@code cosine} (what the product indexes a COSINE stamp with) or {@code dot} (DOT_PRODUCT: the same ranking for
     * unit vectors, which every prepared set holds, without the norms cosine computes per comparison).
     */
    static VectorSimilarityFunction similarity(String name) {
        return switch (name.strip()) {
            case "cosine" -> VectorSimilarityFunction.COSINE;
            case "dot" -> VectorSimilarityFunction.DOT_PRODUCT;
            default -> throw new IllegalArgumentException("--similarity takes cosine or dot, got '" + name + "'");
        };
    }

    private static Built build(Path root, String set, String format, HnswOptions hnsw,
                               VectorSimilarityFunction similarity, float[][] base) throws IOException {
        Path path = root.resolve(set + "-" + format + "-m" + hnsw.m() + "-bw" + hnsw.beamWidth() + "-" + similarity);
        AnnBench.deleteTree(path);
        Files.createDirectories(path);
        KnnVectorsFormat vectors = format(format, hnsw);
        IndexWriterConfig config = new IndexWriterConfig().setCodec(new Lucene104Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return vectors;
            }
        });
        long t0 = System.nanoTime();
        Directory dir = FSDirectory.open(path);
        try (IndexWriter writer = new IndexWriter(dir, config)) {
            for (int i = 0; i < base.length; i++) {
                Document doc = new Document();
                doc.add(new KnnFloatVectorField(FIELD, base[i], similarity));
                doc.add(new NumericDocValuesField(ID, i));
                writer.addDocument(doc);
            }
            writer.forceMerge(1);
            writer.commit();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        DirectoryReader reader = DirectoryReader.open(dir);
        int[] rowOfDoc = new int[reader.maxDoc()];
        for (LeafReaderContext leaf : reader.leaves()) {
            NumericDocValues rows = leaf.reader().getNumericDocValues(ID);
            for (int d = rows.nextDoc(); d != NumericDocValues.NO_MORE_DOCS; d = rows.nextDoc()) {
                rowOfDoc[leaf.docBase + d] = (int) rows.longValue();
            }
        }
        long indexBytes = AnnBench.sizeOf(path, f -> true);
        // what the graph search reads: the quantised vectors (.veq) or the floats (.vec) and the graph (.vex)
        long searched = AnnBench.sizeOf(path, f -> f.endsWith(".vex")
                || (format.equals("fp32") ? f.endsWith(".vec") : f.endsWith(".veq")));
        System.out.printf(Locale.ROOT, "built %s raw %s %s %s: %d vectors in %.1f s, %d segments, index %d MB, searched %d MB%n",
                set, format, hnsw, similarity, base.length, seconds, reader.leaves().size(), indexBytes >> 20, searched >> 20);
        return new Built(format, hnsw, similarity, dir, reader, new IndexSearcher(reader), rowOfDoc, seconds, indexBytes, searched);
    }

    private static double[] sweep(Built b, float[][] queries, int[][] gt, int width, int oversample)
            throws IOException {
        int k = AnnBench.K;
        boolean rescore = !b.format().equals("fp32") && oversample > 1;
        int[][] found = new int[queries.length][];
        long t0 = System.nanoTime();
        int passes = 0;
        do {
            for (int i = 0; i < queries.length; i++) {
                float[] q = queries[i];
                Query query = new KnnFloatVectorQuery(FIELD, q, rescore ? Math.max(width, k * oversample) : Math.max(width, k));
                if (rescore) {
                    query = RescoreTopNQuery.createFullPrecisionRescorerQuery(query, q, FIELD, k * oversample);
                }
                TopDocs top = b.searcher().search(query, k);
                int[] rows = new int[top.scoreDocs.length];
                int j = 0;
                for (ScoreDoc hit : top.scoreDocs) {
                    rows[j++] = b.rowOfDoc()[hit.doc];
                }
                found[i] = rows;
            }
            passes++;
        } while (System.nanoTime() - t0 < AnnBench.MIN_SECONDS * 1e9);
        double seconds = (System.nanoTime() - t0) / 1e9 / passes;
        long hits = 0;
        long total = 0;
        for (int i = 0; i < queries.length; i++) {
            int[] truth = gt[i];
            for (int row : found[i]) {
                for (int t : truth) {
                    if (t == row) {
                        hits++;
                        break;
                    }
                }
            }
            total += truth.length;
        }
        return new double[] {hits / (double) total, queries.length / seconds};
    }

    private static int[] ints(String list) {
        return Stream.of(list.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
    }

    private RawLuceneAnn() {
    }
}
