package dev.mmsearch.bench;

import dev.mmsearch.core.Json;
import dev.mmsearch.ingest.BeirDataset;
import dev.mmsearch.ingest.RetrievalMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.WordlistLoader;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.pattern.PatternTokenizer;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.VectorUtil;
import tools.jackson.databind.JsonNode;

/**
 * {@code bench/run.sh lancedb analysis --out DIR}: why mmsearch's BM25 scores below LanceDB's FTS on SciFact. On the
 * files {@code prep} wrote, plain Lucene BM25 (default k1/b, the product's query form: analysed terms OR-ed, a repeated
 * term boosted by its count) over the joined {@code title text} is scored with several analysis chains, from the
 * product's {@code EnglishAnalyzer} to one like LanceDB's FTS (simple tokenizer, ASCII folding, Snowball's English stop
 * words and stemmer). Each BM25 top 100 is also fused with the exact dense top 100 (cosine on the same vectors) the
 * way the product's default hybrid fuses (weighted z-score 0.6/0.4, a candidate one side lacks gets that side's
 * minimum), to see whether a better BM25 alone helps the hybrid. Not timed. Prints the table and writes
 * {@code analysis.md}.
 */
final class Bm25AnalysisProbe {
    private static final int DEPTH = 100;

    private Bm25AnalysisProbe() {
    }

    record Chain(String name, Analyzer analyzer) {
    }

    static void run(Path out, Map<String, String> opts) throws IOException {
        BeirDataset dataset = BeirDataset.load(Path.of(opts.getOrDefault("--beir", "../shared/data/scifact")), null);
        List<String> docIds = new ArrayList<>();
        List<String> docTexts = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("docs.jsonl"))) {
            JsonNode d = Json.MAPPER.readTree(line);
            docIds.add(d.get("id").asString());
            docTexts.add(d.get("title").asString() + " " + d.get("text").asString());
        }
        List<String> queryIds = new ArrayList<>();
        List<String> queryTexts = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("queries.jsonl"))) {
            JsonNode q = Json.MAPPER.readTree(line);
            queryIds.add(q.get("id").asString());
            queryTexts.add(q.get("text").asString());
        }
        float[][] docVectors = AnnBench.readMatrix(out.resolve("docs.f32"));
        float[][] queryVectors = AnnBench.readMatrix(out.resolve("queries.f32"));
        Set<String> evaluated = new HashSet<>(dataset.evaluatedQueryIds());
        List<Integer> judged = new ArrayList<>();
        for (int q = 0; q < queryIds.size(); q++) {
            if (evaluated.contains(queryIds.get(q))) {
                judged.add(q);
            }
        }
        Map<Integer, Map<String, Double>> dense = new HashMap<>();
        double denseNdcg = 0;
        for (int q : judged) {
            dense.put(q, exactDense(queryVectors[q], docVectors, docIds));
            denseNdcg += ndcg(dense.get(q), dataset.qrels().get(queryIds.get(q)));
        }
        StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "BM25 analysis chains on SciFact (%d docs, %d test"
                + " queries; plain Lucene BM25 over title+text; hybrid = exact dense top %d + BM25 top %d, weighted"
                + " z-score 0.6/0.4; exact dense alone: nDCG@10 %.4f)%n%n| analysis | BM25 nDCG@10 | hybrid nDCG@10 |%n"
                + "|---|---|---|%n", docIds.size(), judged.size(), DEPTH, DEPTH, denseNdcg / Math.max(1, judged.size())));
        for (Chain chain : chains()) {
            ByteBuffersDirectory dir = new ByteBuffersDirectory();
            try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig(chain.analyzer()))) {
                for (int i = 0; i < docIds.size(); i++) {
                    org.apache.lucene.document.Document doc = new org.apache.lucene.document.Document();
                    doc.add(new StringField("id", docIds.get(i), Field.Store.YES));
                    doc.add(new TextField("t", docTexts.get(i), Field.Store.NO));
                    w.addDocument(doc);
                }
            }
            double bm25 = 0;
            double hybrid = 0;
            try (DirectoryReader reader = DirectoryReader.open(dir)) {
                IndexSearcher searcher = new IndexSearcher(reader);
                StoredFields stored = searcher.storedFields();
                for (int q : judged) {
                    Map<String, Integer> judgedDocs = dataset.qrels().get(queryIds.get(q));
                    Map<String, Double> text = new LinkedHashMap<>();
                    Query query = query(chain.analyzer(), queryTexts.get(q));
                    if (query != null) {
                        for (ScoreDoc sd : searcher.search(query, DEPTH).scoreDocs) {
                            text.put(stored.document(sd.doc).get("id"), (double) sd.score);
                        }
                    }
                    bm25 += ndcg(text, judgedDocs);
                    hybrid += ndcg(fuse(dense.get(q), text), judgedDocs);
                }
            }
            int n = Math.max(1, judged.size());
            t.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f |%n", chain.name(), bm25 / n, hybrid / n));
        }
        System.out.println(t);
        Files.writeString(out.resolve("analysis.md"), t.toString());
    }

    static List<Chain> chains() throws IOException {
        CharArraySet lucene33 = EnglishAnalyzer.ENGLISH_STOP_WORDS_SET;
        CharArraySet snowball = snowballStopWords();
        return List.of(
                new Chain("EnglishAnalyzer (the product's): standard, possessive, 33 stop words, Porter",
                        new EnglishAnalyzer()),
                new Chain("standard, possessive, 33 stop words, Snowball", chain(false, false, lucene33, true, true)),
                new Chain("standard, possessive, Snowball stop words (174), Porter",
                        chain(false, false, snowball, false, true)),
                new Chain("standard, possessive, Snowball stop words, Snowball", chain(false, false, snowball, true, true)),
                new Chain("simple (split on non-alphanumerics), 33 stop words, Porter",
                        chain(true, false, lucene33, false, false)),
                new Chain("like LanceDB's FTS: simple, ASCII folding, Snowball stop words, Snowball",
                        chain(true, true, snowball, true, false)));
    }

    private static CharArraySet snowballStopWords() throws IOException {
        try (InputStream in = SnowballFilter.class.getResourceAsStream("english_stop.txt");
             Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            return WordlistLoader.getSnowballWordSet(reader);
        }
    }

    private static Analyzer chain(boolean simple, boolean fold, CharArraySet stop, boolean snowballStem,
                                  boolean possessive) {
        Pattern split = Pattern.compile("[^\\p{L}\\p{N}]+");
        return new Analyzer() {
            @Override
            protected TokenStreamComponents createComponents(String field) {
                Tokenizer tokenizer = simple ? new PatternTokenizer(split, -1) : new StandardTokenizer();
                TokenStream s = possessive ? new EnglishPossessiveFilter(tokenizer) : tokenizer;
                s = new LowerCaseFilter(s);
                s = fold ? new ASCIIFoldingFilter(s) : s;
                s = new StopFilter(s, stop);
                s = snowballStem ? new SnowballFilter(s, new org.tartarus.snowball.ext.EnglishStemmer())
                        : new PorterStemFilter(s);
                return new TokenStreamComponents(tokenizer, s);
            }
        };
    }

    /** The product's BM25 query form: the analysed terms OR-ed, a term that occurs n times boosted by n. */
    private static Query query(Analyzer analyzer, String text) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        try (TokenStream tokens = analyzer.tokenStream("t", text)) {
            CharTermAttribute term = tokens.addAttribute(CharTermAttribute.class);
            tokens.reset();
            while (tokens.incrementToken()) {
                counts.merge(term.toString(), 1, Integer::sum);
            }
            tokens.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (counts.isEmpty()) {
            return null;
        }
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        counts.forEach((token, n) -> {
            Query clause = new TermQuery(new Term("t", token));
            b.add(n == 1 ? clause : new BoostQuery(clause, n), BooleanClause.Occur.SHOULD);
        });
        return b.build();
    }

    private static Map<String, Double> exactDense(float[] query, float[][] docs, List<String> ids) {
        Integer[] order = new Integer[docs.length];
        double[] score = new double[docs.length];
        for (int i = 0; i < docs.length; i++) {
            order[i] = i;
            score[i] = VectorUtil.cosine(query, docs[i]);
        }
        java.util.Arrays.sort(order, Comparator.comparingDouble(i -> -score[i]));
        Map<String, Double> top = new LinkedHashMap<>();
        for (int i = 0; i < Math.min(DEPTH, order.length); i++) {
            top.put(ids.get(order[i]), score[order[i]]);
        }
        return top;
    }

    /** Weighted z-score fusion 0.6 dense / 0.4 text, as the built-in hybrid arm; best first. */
    static Map<String, Double> fuse(Map<String, Double> dense, Map<String, Double> text) {
        Map<String, double[]> zd = zscores(dense);
        Map<String, double[]> zt = zscores(text);
        double missingDense = zd.isEmpty() ? 0 : zd.values().iterator().next()[1];
        double missingText = zt.isEmpty() ? 0 : zt.values().iterator().next()[1];
        Set<String> all = new java.util.LinkedHashSet<>(dense.keySet());
        all.addAll(text.keySet());
        Map<String, Double> fused = new HashMap<>();
        for (String id : all) {
            double d = zd.containsKey(id) ? zd.get(id)[0] : missingDense;
            double x = zt.containsKey(id) ? zt.get(id)[0] : missingText;
            fused.put(id, 0.6 * d + 0.4 * x);
        }
        Map<String, Double> ranked = new LinkedHashMap<>();
        fused.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> ranked.put(e.getKey(), e.getValue()));
        return ranked;
    }

    /** id → {z-score, the z-score of the list's minimum} (population standard deviation; 0 when it is 0). */
    private static Map<String, double[]> zscores(Map<String, Double> scores) {
        int n = scores.size();
        double sum = 0;
        double sumSq = 0;
        double min = Double.POSITIVE_INFINITY;
        for (double s : scores.values()) {
            sum += s;
            sumSq += s * s;
            min = Math.min(min, s);
        }
        double mean = n == 0 ? 0 : sum / n;
        double std = n == 0 ? 0 : Math.sqrt(Math.max(0, sumSq / n - mean * mean));
        double missing = std == 0 ? 0 : (min - mean) / std;
        Map<String, double[]> z = new HashMap<>();
        scores.forEach((id, s) -> z.put(id, new double[] {std == 0 ? 0 : (s - mean) / std, missing}));
        return z;
    }

    private static double ndcg(Map<String, Double> ranked, Map<String, Integer> judged) {
        return RetrievalMetrics.ndcgAtK(new ArrayList<>(ranked.keySet()), judged, 10);
    }
}
