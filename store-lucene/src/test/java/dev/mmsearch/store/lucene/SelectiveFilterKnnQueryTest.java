package dev.mmsearch.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.VectorUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SelectiveFilterKnnQuery} switches a segment to the exact scan when the filter matches at most
 * {@code exactBelow} documents, and leaves the graph search otherwise. To make the two paths distinguishable by their
 * results, the graph is deliberately poor (M=2, beam width 4, one segment, Lucene's fixed seed: deterministic).
 */
class SelectiveFilterKnnQueryTest {
    private static final int DOCUMENTS = 5_000;
    private static final int DIMENSION = 16;
    private static final int K = 10;

    @TempDir
    Path dir;

    @Test
    void aSelectiveFilterIsScoredExactlyAndABroadOneSearchesTheGraph() throws Exception {
        Random random = new Random(18);
        float[][] vectors = new float[DOCUMENTS][];
        boolean[] tagged = new boolean[DOCUMENTS];
        IndexWriterConfig config = new IndexWriterConfig();
        config.setCodec(new Lucene104Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return new Lucene99HnswVectorsFormat(2, 4);
            }
        });
        try (FSDirectory directory = FSDirectory.open(dir)) {
            try (IndexWriter writer = new IndexWriter(directory, config)) {
                for (int i = 0; i < DOCUMENTS; i++) {
                    vectors[i] = unit(random);
                    tagged[i] = i % 10 == 0; // 500 documents, 10%
                    Document doc = new Document();
                    doc.add(new KnnFloatVectorField("v", vectors[i], VectorSimilarityFunction.DOT_PRODUCT));
                    doc.add(new StringField("tag", tagged[i] ? "yes" : "no", Field.Store.NO));
                    doc.add(new StoredField("i", i));
                    writer.addDocument(doc);
                }
                writer.forceMerge(1);
            }
            try (DirectoryReader reader = DirectoryReader.open(directory)) {
                IndexSearcher searcher = new IndexSearcher(reader);
                Query filter = new TermQuery(new Term("tag", "yes"));
                int exactDiffers = 0;
                int graphDiffers = 0;
                for (int q = 0; q < 50; q++) {
                    float[] query = unit(random);
                    List<Integer> truth = IntStream.range(0, DOCUMENTS).filter(i -> tagged[i]).boxed()
                            .sorted(Comparator.comparingDouble((Integer i) -> -VectorUtil.dotProduct(query, vectors[i])))
                            .limit(K).toList();
                    List<Integer> exact = ids(searcher, new SelectiveFilterKnnQuery("v", query, K, filter, 500));
                    List<Integer> graph = ids(searcher, new SelectiveFilterKnnQuery("v", query, K, filter, 499));
                    assertThat(exact).hasSize(K).allMatch(i -> tagged[i]);
                    assertThat(graph).hasSize(K).allMatch(i -> tagged[i]);
                    exactDiffers += exact.equals(truth) ? 0 : 1;
                    graphDiffers += graph.equals(truth) ? 0 : 1;
                }
                assertThat(exactDiffers).as("filter cost 500 <= 500: exact scan, always the brute-force top 10").isZero();
                assertThat(graphDiffers).as("filter cost 500 > 499: the (poor) graph, which misses some").isPositive();
            }
        }
    }

    @Test
    void theDecisionAndTheQueryIdentityIncludeTheThreshold() {
        assertThat(SelectiveFilterKnnQuery.exact(20_000, 20_000)).isTrue();
        assertThat(SelectiveFilterKnnQuery.exact(20_001, 20_000)).isFalse();
        float[] v = {1, 0};
        Query filter = new TermQuery(new Term("tag", "yes"));
        assertThat(new SelectiveFilterKnnQuery("v", v, K, filter, 5)).isEqualTo(new SelectiveFilterKnnQuery("v", v, K, filter, 5))
                .hasSameHashCodeAs(new SelectiveFilterKnnQuery("v", v, K, filter, 5))
                .isNotEqualTo(new SelectiveFilterKnnQuery("v", v, K, filter, 6));
    }

    private static List<Integer> ids(IndexSearcher searcher, Query query) throws java.io.IOException {
        TopDocs top = searcher.search(query, K);
        List<Integer> ids = new ArrayList<>();
        for (ScoreDoc hit : top.scoreDocs) {
            ids.add(searcher.storedFields().document(hit.doc).getField("i").numericValue().intValue());
        }
        return ids;
    }

    private static float[] unit(Random random) {
        float[] v = new float[DIMENSION];
        for (int i = 0; i < DIMENSION; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return VectorUtil.l2normalize(v);
    }
}
