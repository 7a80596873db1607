package dev.mmsearch.retrieval;

import dev.mmsearch.retrieval.stages.BuiltinStages;
import dev.mmsearch.core.experiment.StageKind;
import dev.mmsearch.retrieval.stages.MmrRank;
import dev.mmsearch.retrieval.stages.MultiRecall;
import dev.mmsearch.retrieval.stages.RrfRank;
import dev.mmsearch.retrieval.stages.ThresholdRank;
import dev.mmsearch.retrieval.stages.WeightedRank;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Fusion, threshold, chain and MMR math against hand-computed values. The recall lists used
 * throughout: vector a 0.9, b 0.8, c 0.7; bm25 c 12, d 10, a 5.
 */
class FusionTest {
    static final List<Candidate> VECTOR = List.of(Candidate.recalled("a", "vector", 0.9f),
            Candidate.recalled("b", "vector", 0.8f), Candidate.recalled("c", "vector", 0.7f));
    static final List<Candidate> BM25 = List.of(Candidate.recalled("c", "bm25", 12f),
            Candidate.recalled("d", "bm25", 10f), Candidate.recalled("a", "bm25", 5f));
    static final List<Candidate> MERGED = MultiRecall.merge(List.of(VECTOR, BM25));

    @TempDir
    static Path dir;
    static LuceneCollectionStore store;
    static RequestContext context;

    @BeforeAll
    static void open() {
        store = new LuceneCollectionStore(dir);
        context = TestCollections.context(TestCollections.create(store), SearchQuery.of(TestCollections.NAME, "q", 10));
    }

    @AfterAll
    static void close() {
        store.close();
    }

    static List<String> ids(List<Candidate> candidates) {
        return candidates.stream().map(Candidate::id).toList();
    }

    static Map<String, Float> fusion(List<Candidate> candidates) {
        return candidates.stream().collect(java.util.stream.Collectors.toMap(Candidate::id, c -> c.score("fusion")));
    }

    @Test
    void mergeKeepsEveryRecallsScoreAndLeavesMissingOnesAbsent() {
        assertThat(ids(MERGED)).containsExactly("a", "c", "b", "d"); // rank 1: a (vector), c (bm25); rank 2: b, d
        Candidate a = MERGED.get(0);
        assertThat(a.scores()).containsExactly(Map.entry("vector", 0.9f), Map.entry("bm25", 5f));
        assertThat(a.score()).isEqualTo(0.9f);
        Candidate c = MERGED.get(1);
        assertThat(c.scores()).containsEntry("vector", 0.7f).containsEntry("bm25", 12f);
        assertThat(c.score()).isEqualTo(12f); // placed by bm25 (rank 1 there, rank 3 in vector)
        assertThat(MERGED.get(2).scores()).containsOnlyKeys("vector");
        assertThat(MERGED.get(3).scores()).containsOnlyKeys("bm25").doesNotContainKey("vector");
    }

    @Test
    void mergeOrdersEqualRanksByRecallThenId() {
        List<Candidate> x = List.of(Candidate.recalled("z", "x", 1f), Candidate.recalled("m", "x", 0.5f));
        List<Candidate> y = List.of(Candidate.recalled("b", "y", 3f), Candidate.recalled("z", "y", 2f));
        List<Candidate> merged = MultiRecall.merge(List.of(x, y));
        assertThat(ids(merged)).containsExactly("z", "b", "m");
        assertThat(merged.getFirst().scores()).containsExactly(Map.entry("x", 1f), Map.entry("y", 2f));
    }

    @Test
    void rrfSumsReciprocalRanksOfTheRecallsThatFoundADocument() {
        // k = 60: a = 1/61 + 1/63, c = 1/63 + 1/61 (tie -> id), b = 1/62, d = 1/62 (tie -> id)
        List<Candidate> fused = RrfRank.fuse(MERGED, List.of("vector", "bm25"), 60);
        assertThat(ids(fused)).containsExactly("a", "c", "b", "d");
        assertThat(fused.get(0).score()).isCloseTo((float) (1.0 / 61 + 1.0 / 63), within(1e-7f));
        assertThat(fused.get(2).score()).isCloseTo((float) (1.0 / 62), within(1e-7f));
        // k = 0 and bm25 without d: a = 1/1 + 1/2 = 1.5, c = 1/3 + 1/1 = 1.333, b = 1/2
        List<Candidate> noD = MultiRecall.merge(List.of(VECTOR, List.of(BM25.get(0), BM25.get(2))));
        List<Candidate> k0 = RrfRank.fuse(noD, List.of("vector", "bm25"), 0);
        assertThat(ids(k0)).containsExactly("a", "c", "b");
        assertThat(fusion(k0)).containsEntry("a", 1.5f).containsEntry("b", 0.5f);
        assertThat(fusion(k0).get("c")).isCloseTo(4f / 3, within(1e-6f));
        assertThat(k0.getFirst().scores()).containsKeys("vector", "bm25", "fusion");
    }

    @Test
    void rrfStageRanksOverTheRecallsItWasBoundTo() {
        RankStage rrf = BuiltinStages.registry().create(StageKind.RANK, "arm 't'", Map.of("type", "rrf", "k", 0),
                RankStage.class).forRecalls(List.of("vector", "bm25"));
        assertThat(ids(rrf.rank(context, MERGED))).containsExactly("a", "c", "b", "d");
        assertThat(rrf.rank(context, MERGED).getFirst().score()).isCloseTo(1.0f + 1.0f / 3, within(1e-6f));
        // Bound to one recall only, it ranks by that recall's list alone: d and b, bm25-only or vector-only, differ.
        RankStage vectorOnly = BuiltinStages.registry().create(StageKind.RANK, "arm 't'", Map.of("type", "rrf", "k", 0),
                RankStage.class).forRecalls(List.of("vector"));
        assertThat(ids(vectorOnly.rank(context, MERGED))).containsExactly("a", "b", "c", "d");
    }

    @Test
    void anUnboundRrfStageRefusesToRankInsteadOfScoringEverythingZero() {
        RankStage rrf = BuiltinStages.registry().create(StageKind.RANK, "arm 't'", Map.of("type", "rrf"), RankStage.class);
        assertThatThrownBy(() -> rrf.rank(context, MERGED)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("forRecalls");
    }

    @Test
    void weightedMinMaxGivesMissingRecallsZero() {
        // vector minmax: a 1, b 0.5, c 0; bm25 minmax: c 1, d 5/7, a 0; missing = 0
        List<Candidate> fused = WeightedRank.fuse(MERGED, Map.of("vector", 0.6, "bm25", 0.4), "minmax");
        assertThat(ids(fused)).containsExactly("a", "c", "b", "d");
        Map<String, Float> f = fusion(fused);
        assertThat(f.get("a")).isCloseTo(0.6f, within(1e-5f));
        assertThat(f.get("c")).isCloseTo(0.4f, within(1e-5f));
        assertThat(f.get("b")).isCloseTo(0.3f, within(1e-5f));
        assertThat(f.get("d")).isCloseTo(0.4f * 5 / 7, within(1e-5f));
        // Equal weights: a 0.5, c 0.5 (tie -> id), d 0.357, b 0.25
        assertThat(ids(WeightedRank.fuse(MERGED, Map.of("vector", 0.5, "bm25", 0.5), "minmax")))
                .containsExactly("a", "c", "d", "b");
    }

    @Test
    void weightedZScoreGivesMissingRecallsTheirLowestZ() {
        // vector: mean .8, sd sqrt(.02/3): a 1.2247, b 0, c -1.2247; bm25: mean 9, sd sqrt(26/3): c 1.0190, d 0.3397, a -1.3587
        List<Candidate> fused = WeightedRank.fuse(MERGED, Map.of("vector", 0.5, "bm25", 0.5), "zscore");
        Map<String, Float> f = fusion(fused);
        assertThat(f.get("a")).isCloseTo(0.5f * (1.224745f - 1.358732f), within(1e-4f));
        assertThat(f.get("b")).isCloseTo(0.5f * (0f - 1.358732f), within(1e-4f));
        assertThat(f.get("c")).isCloseTo(0.5f * (-1.224745f + 1.019049f), within(1e-4f));
        assertThat(f.get("d")).isCloseTo(0.5f * (-1.224745f + 0.339683f), within(1e-4f));
        assertThat(ids(fused)).containsExactly("a", "c", "d", "b");
    }

    @Test
    void weightedWithoutNormalisationAddsRawScores() {
        List<Candidate> fused = WeightedRank.fuse(MERGED, Map.of("vector", 1.0, "bm25", 0.1), "none");
        Map<String, Float> f = fusion(fused);
        assertThat(f.get("a")).isCloseTo(0.9f + 0.5f, within(1e-5f));
        assertThat(f.get("b")).isCloseTo(0.8f + 0.5f, within(1e-5f)); // missing bm25 = lowest raw bm25 (5)
        assertThat(f.get("c")).isCloseTo(0.7f + 1.2f, within(1e-5f));
        assertThat(f.get("d")).isCloseTo(0.7f + 1.0f, within(1e-5f)); // missing vector = lowest raw vector (0.7)
        assertThat(ids(fused)).containsExactly("c", "d", "a", "b");
    }

    @Test
    void weightedMinMaxOfASingleScoreIsOne() {
        List<Candidate> one = List.of(new Candidate("x", 3f, Map.of("vector", 3f)));
        assertThat(WeightedRank.fuse(one, Map.of("vector", 0.5, "bm25", 0.5), "minmax").getFirst().score())
                .isEqualTo(0.5f);
    }

    @Test
    void thresholdKeepsOrderAndDropsMissingEntries() {
        List<Candidate> fused = WeightedRank.fuse(MERGED, Map.of("vector", 0.6, "bm25", 0.4), "minmax");
        assertThat(ids(ThresholdRank.apply(fused, 0.35, "score"))).containsExactly("a", "c");
        assertThat(ids(ThresholdRank.apply(fused, 0.3, "score"))).containsExactly("a", "c", "b");
        assertThat(ids(ThresholdRank.apply(fused, 0.75, "vector"))).containsExactly("a", "b"); // d has no vector score
        assertThat(ThresholdRank.apply(fused, 100, "score")).isEmpty();
    }

    @Test
    void chainRunsItsStagesInOrder() {
        RankStage chain = BuiltinStages.registry().create(StageKind.RANK, "arm 'chained'", Map.of("type", "chain",
                "stages", List.of(Map.of("type", "weighted", "weights", Map.of("vector", 0.6, "bm25", 0.4)),
                        Map.of("type", "threshold", "min", 0.35))), RankStage.class);
        List<Candidate> ranked = chain.rank(context, MERGED);
        assertThat(ids(ranked)).containsExactly("a", "c");
        assertThat(ranked.getFirst().score()).isCloseTo(0.6f, within(1e-5f));
        // The same stages in the other order: threshold on the merged score (a 0.9, c 12, b 0.8, d 10) first.
        RankStage reversed = BuiltinStages.registry().create(StageKind.RANK, "arm 'reversed'", Map.of("type", "chain",
                "stages", List.of(Map.of("type", "threshold", "min", 0.85),
                        Map.of("type", "weighted", "weights", Map.of("vector", 0.6, "bm25", 0.4)))), RankStage.class);
        // survivors a, c, d; re-normalised among them: vector a 1, c 0; bm25 c 1, d 5/7, a 0 -> a .6, c .4, d .2857
        assertThat(ids(reversed.rank(context, MERGED))).containsExactly("a", "c", "d");
    }

    @Test
    void mmrDemotesNearDuplicates() {
        List<Candidate> top = List.of(new Candidate("a", 1.0f, Map.of()), new Candidate("b", 0.9f, Map.of()),
                new Candidate("c", 0.5f, Map.of()));
        List<Set<String>> words = List.of(Set.of("x", "y", "z"), Set.of("x", "y", "z"), Set.of("p", "q"));
        // lambda .5: relevance a 1, b .8, c 0; after a: b = .4 - .5 * 1 = -.1, c = 0 - 0 = 0 -> c before b
        List<Candidate> diversified = MmrRank.diversify(top, words, 0.5);
        assertThat(ids(diversified)).containsExactly("a", "c", "b");
        assertThat(diversified.get(0).score("mmr")).isCloseTo(0.5f, within(1e-6f));
        assertThat(diversified.get(2).score("mmr")).isCloseTo(-0.1f, within(1e-6f));
        assertThat(diversified.get(2).score()).isEqualTo(0.9f); // MMR reorders, it does not rescore
        assertThat(ids(MmrRank.diversify(top, words, 1.0))).containsExactly("a", "b", "c");
    }

    @Test
    void mmrStageComparesStoredTextOfTheTopK() {
        RankStage mmr = BuiltinStages.registry().create(StageKind.RANK, "arm 'mmr'",
                Map.of("type", "mmr", "lambda", 0.5, "k", 4), RankStage.class);
        // cat1 and cat2 are near-duplicates (word Jaccard .8); dog1 shares little with them; g01 is beyond k.
        List<Candidate> input = List.of(new Candidate("cat1", 3f, Map.of()), new Candidate("cat2", 2.9f, Map.of()),
                new Candidate("dog1", 2.8f, Map.of()), new Candidate("g00", 1f, Map.of()),
                new Candidate("g01", 0.5f, Map.of()));
        assertThat(ids(mmr.rank(context, input))).containsExactly("cat1", "dog1", "cat2", "g00", "g01");
        RankStage relevanceOnly = BuiltinStages.registry().create(StageKind.RANK, "arm 'mmr1'",
                Map.of("type", "mmr", "lambda", 1.0, "k", 4), RankStage.class);
        assertThat(ids(relevanceOnly.rank(context, input))).containsExactly("cat1", "cat2", "dog1", "g00", "g01");
    }
}
