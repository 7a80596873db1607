package dev.mmsearch.store.lucene;

import dev.mmsearch.core.VectorQuery;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.VectorSimilarity;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Filtered kNN against brute force (issue 5 acceptance): with a filter matching 1% of 10,000 documents,
 * top-10 has 10 hits, all matching, equal to the exact top-10 over the matching documents. Clustered
 * 64-d unit vectors; the filtered documents are drawn at random, so they are spread over all clusters.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FilteredVectorSearchTest {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FilteredVectorSearchTest.class);
    private static final int DOCUMENTS = 10_000;
    private static final int DIMENSION = 64;
    private static final int CLUSTERS = 50;
    private static final int RARE = DOCUMENTS / 100;
    private static final int QUERIES = 30;
    private static final int K = 10;
    private static final CollectionSchema SCHEMA = new CollectionSchema("{title}", List.of("title"),
            List.of("category", "group"), List.of("rank", "sizes"));

    @TempDir
    static Path root;
    LuceneCollectionStore store;
    LuceneCollection collection;
    float[][] stored = new float[DOCUMENTS][];
    boolean[] rare = new boolean[DOCUMENTS];
    int[] group = new int[DOCUMENTS];
    int[] rank = new int[DOCUMENTS];
    double[][] sizes = new double[DOCUMENTS][];
    List<float[]> queries = new ArrayList<>();

    @BeforeAll
    void index() {
        store = new LuceneCollectionStore(root);
        ModelStamp stamp = new ModelStamp("clustered", "c".repeat(64), DIMENSION, VectorSimilarity.COSINE);
        collection = store.getOrCreate("filtered", SCHEMA, stamp);
        Random random = new Random(7);
        float[][] centres = new float[CLUSTERS][];
        for (int c = 0; c < CLUSTERS; c++) {
            centres[c] = Fixtures.unitGaussian(random, DIMENSION);
        }
        List<Integer> shuffled = new ArrayList<>(IntStream.range(0, DOCUMENTS).boxed().toList());
        Collections.shuffle(shuffled, random);
        shuffled.subList(0, RARE).forEach(i -> rare[i] = true);
        List<EmbeddedDocument> batch = new ArrayList<>();
        for (int i = 0; i < DOCUMENTS; i++) {
            stored[i] = around(centres[i % CLUSTERS], random);
            group[i] = random.nextInt(5);
            rank[i] = random.nextInt(1000);
            sizes[i] = new double[] {random.nextDouble() * 10, random.nextDouble() * 10};
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("title", "doc " + i);
            fields.put("category", rare[i] ? "rare" : "common");
            fields.put("group", "g" + group[i]);
            fields.put("rank", rank[i]);
            fields.put("sizes", List.of(sizes[i][0], sizes[i][1]));
            batch.add(new EmbeddedDocument(new Document("v" + i, fields), stored[i]));
            if (batch.size() == 2_500) {
                collection.upsert(batch);
                batch.clear();
            }
        }
        collection.commit();
        assertThat(collection.count()).isEqualTo(DOCUMENTS);
        for (int q = 0; q < QUERIES; q++) {
            queries.add(around(centres[random.nextInt(CLUSTERS)], random));
        }
    }

    @AfterAll
    void close() {
        store.close();
    }

    @ParameterizedTest(name = "numCandidates={0}")
    @ValueSource(ints = {10, 100})
    void onePercentKeywordFilterGivesTheExactTop10(int numCandidates) {
        Filter filter = new Filter.Term("category", "rare");
        int exactIds = assertExactTop10(filter, i -> rare[i], numCandidates);
        log.info("filtered knn filter=term(1%) numCandidates={} queries={} identicalIds={}/{}", numCandidates,
                QUERIES, exactIds, QUERIES * K);

        // The filter matters: post-filtering an unfiltered top-100 would rarely give 10 rare hits.
        int postFilterShort = 0;
        for (float[] query : queries) {
            long rareInTop = collection.search(VectorQuery.of(query, 100, 100)).stream()
                    .filter(hit -> rare[index(hit)]).count();
            postFilterShort += rareInTop < K ? 1 : 0;
        }
        assertThat(postFilterShort).as("queries where post-filtering top-100 gives < 10 hits")
                .isGreaterThan(QUERIES / 2);
    }

    @ParameterizedTest(name = "numCandidates={0}")
    @ValueSource(ints = {10, 100})
    void onePercentNumericRangeGivesTheExactTop10(int numCandidates) {
        long matching = IntStream.range(0, DOCUMENTS).filter(i -> rank[i] >= 100 && rank[i] < 110).count();
        assertThat(matching).as("the range matches about 1%").isBetween(60L, 140L);
        assertExactTop10(new Filter.Range("rank", 100.0, null, null, 110.0), i -> rank[i] >= 100 && rank[i] < 110,
                numCandidates);
        // The same interval written with exclusive lower / inclusive upper bounds.
        assertExactTop10(new Filter.Range("rank", null, 99.5, 109.0, null), i -> rank[i] >= 100 && rank[i] < 110,
                numCandidates);
    }

    @Test
    void multiValuedNumericFieldMatchesWhenAnyValueIsInRange() {
        IntPredicate anyIn = i -> (sizes[i][0] >= 3.0 && sizes[i][0] < 3.1) || (sizes[i][1] >= 3.0 && sizes[i][1] < 3.1);
        long matching = IntStream.range(0, DOCUMENTS).filter(anyIn).count();
        assertThat(matching).isBetween(120L, 280L);
        assertExactTop10(new Filter.Range("sizes", 3.0, null, null, 3.1), anyIn, 100);
    }

    @Test
    void selectiveAndOrNotCombinationGivesTheExactTop10() {
        // (group g1 or g2) and not (rank >= 20): 40% x 2% = 0.8%.
        Filter filter = new Filter.And(List.of(
                new Filter.Or(List.of(new Filter.Term("group", "g1"), new Filter.Terms("group", List.of("g2")))),
                new Filter.Not(new Filter.Range("rank", 20.0, null, null, null))));
        assertExactTop10(filter, i -> (group[i] == 1 || group[i] == 2) && !(rank[i] >= 20), 100);
    }

    @Test
    void broadCombinationReturnsOnlyMatchesWithHighRecall() {
        // rare or (g3 and rank >= 500): about 1% + 10% of documents, so HNSW walks the graph with the filter.
        IntPredicate matches = i -> rare[i] || (group[i] == 3 && rank[i] >= 500);
        Filter filter = new Filter.Or(List.of(new Filter.Term("category", "rare"),
                new Filter.And(List.of(new Filter.Term("group", "g3"),
                        new Filter.Not(new Filter.Range("rank", null, null, null, 500.0))))));
        double recallSum = 0;
        for (float[] query : queries) {
            List<ScoredId> hits = collection.search(VectorQuery.of(query, K, 100, filter));
            assertThat(hits).hasSize(K);
            assertThat(hits).allSatisfy(hit -> assertThat(matches.test(index(hit))).as(hit.id()).isTrue());
            Set<Integer> exact = new HashSet<>(bruteForce(query, matches));
            recallSum += hits.stream().filter(hit -> exact.contains(index(hit))).count() / (double) K;
        }
        double recall = recallSum / QUERIES;
        log.info("filtered knn filter=or/and/not(~11%) numCandidates=100 recall@10={}", recall);
        assertThat(recall).isGreaterThanOrEqualTo(0.95);
    }

    @Test
    void aFilterMatchingNothingGivesNoHitsAndOneMatchGivesOne() {
        assertThat(collection.search(VectorQuery.of(queries.get(0), K, 100, new Filter.Term("category", "none")))).isEmpty();
        int target = IntStream.range(0, DOCUMENTS).filter(i -> rare[i]).findFirst().orElseThrow();
        Filter one = new Filter.And(List.of(new Filter.Term("category", "rare"),
                new Filter.Range("rank", (double) rank[target], null, (double) rank[target], null),
                new Filter.Term("group", "g" + group[target])));
        List<ScoredId> hits = collection.search(VectorQuery.of(queries.get(0), K, 100, one));
        assertThat(hits).extracting(ScoredId::id).contains("v" + target);
        assertThat(hits).allSatisfy(hit -> assertThat(rare[index(hit)] && rank[index(hit)] == rank[target]).isTrue());
    }

    /**
     * Asserts, for every query, 10 hits that all match and equal brute force position by position; a different
     * id is accepted only where the two cosines tie within 1e-6. Returns how many ids were identical.
     */
    private int assertExactTop10(Filter filter, IntPredicate matches, int numCandidates) {
        int identical = 0;
        for (float[] query : queries) {
            List<ScoredId> hits = collection.search(VectorQuery.of(query, K, numCandidates, filter));
            List<Integer> exact = bruteForce(query, matches);
            assertThat(hits).hasSize(K);
            assertThat(hits).extracting(ScoredId::id).doesNotHaveDuplicates();
            for (int position = 0; position < K; position++) {
                int got = index(hits.get(position));
                assertThat(matches.test(got)).as("hit %s matches %s", hits.get(position).id(), filter).isTrue();
                double gotCosine = Fixtures.cosine(query, stored[got]);
                assertThat((double) hits.get(position).score()).isCloseTo(gotCosine, within(1e-4));
                if (got == exact.get(position)) {
                    identical++;
                } else {
                    assertThat(gotCosine).as("position %d: got v%d, brute force v%d", position, got,
                            exact.get(position)).isCloseTo(Fixtures.cosine(query, stored[exact.get(position)]),
                            within(1e-6));
                }
            }
        }
        return identical;
    }

    private List<Integer> bruteForce(float[] query, IntPredicate matches) {
        return IntStream.range(0, DOCUMENTS).filter(matches).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -Fixtures.cosine(query, stored[i])))
                .limit(K).toList();
    }

    private static int index(ScoredId hit) {
        return Integer.parseInt(hit.id().substring(1));
    }

    private static float[] around(float[] centre, Random random) {
        float[] v = new float[centre.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (centre[i] + 0.1 * random.nextGaussian());
        }
        return Fixtures.normalize(v);
    }
}
