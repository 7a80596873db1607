package dev.mmsearch.ingest;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class RetrievalMetricsTest {
    private static final double EPS = 1e-12;
    private static final double LOG2_3 = Math.log(3) / Math.log(2); // 1.5849625007211563
    private static final double LOG2_5 = Math.log(5) / Math.log(2); // 2.321928094887362

    // Ranking d1 d2 d3 d4; judged relevant: d2 (1), d4 (2), d5 (1, never retrieved).
    private static final List<String> RANKED = List.of("d1", "d2", "d3", "d4");
    private static final Map<String, Integer> QRELS = Map.of("d2", 1, "d4", 2, "d5", 1);

    @Test
    void ndcgAt3CountsOnlyTheTopThreeAgainstTheIdealOfAllJudgements() {
        // DCG@3  = 0/log2(2) + 1/log2(3) + 0/log2(4)            = 0.6309297535714575
        // IDCG@3 = gains sorted [2, 1, 1]: 2/log2(2) + 1/log2(3) + 1/log2(4) = 2 + 0.6309297535714575 + 0.5
        // nDCG@3 = 0.6309297535714575 / 3.1309297535714575      = 0.20151514190050246
        assertThat(RetrievalMetrics.ndcgAtK(RANKED, QRELS, 3)).isCloseTo(0.20151514190050246, within(EPS));
        assertThat(RetrievalMetrics.ndcgAtK(RANKED, QRELS, 3))
                .isCloseTo((1 / LOG2_3) / (2 + 1 / LOG2_3 + 0.5), within(EPS));
    }

    @Test
    void ndcgAt10UsesGradedGainsAndTheLog2Discount() {
        // DCG@10  = 1/log2(3) + 2/log2(5) = 0.6309297535714575 + 0.8613531161467861
        // IDCG@10 = 2 + 1/log2(3) + 1/log2(4) (only three judged relevant documents exist)
        // nDCG@10 = 1.4922828697182436 / 3.1309297535714575 = 0.47662611018851303
        assertThat(RetrievalMetrics.ndcgAtK(RANKED, QRELS, 10)).isCloseTo(0.47662611018851303, within(EPS));
        assertThat(RetrievalMetrics.ndcgAtK(RANKED, QRELS, 10))
                .isCloseTo((1 / LOG2_3 + 2 / LOG2_5) / (2 + 1 / LOG2_3 + 0.5), within(EPS));
    }

    @Test
    void ndcgOfASwappedGradedPairIsBelowOne() {
        // x has relevance 1, y relevance 2, ranked x, y:
        // DCG = 1/log2(2) + 2/log2(3) = 1 + 1.2618595071429148; IDCG = 2/log2(2) + 1/log2(3) = 2 + 0.6309297535714575
        // nDCG = 2.2618595071429148 / 2.6309297535714575 = 0.8597186998521972
        Map<String, Integer> qrels = Map.of("x", 1, "y", 2);
        assertThat(RetrievalMetrics.ndcgAtK(List.of("x", "y"), qrels, 10)).isCloseTo(0.8597186998521972, within(EPS));
        assertThat(RetrievalMetrics.ndcgAtK(List.of("y", "x"), qrels, 10)).isCloseTo(1.0, within(EPS));
    }

    @Test
    void perfectRankingScoresOneEverywhere() {
        Map<String, Integer> qrels = Map.of("a", 1, "b", 1);
        List<String> ranked = List.of("a", "b", "c");
        assertThat(RetrievalMetrics.ndcgAtK(ranked, qrels, 10)).isCloseTo(1.0, within(EPS));
        assertThat(RetrievalMetrics.recallAtK(ranked, qrels, 100)).isEqualTo(1.0);
        assertThat(RetrievalMetrics.mrrAtK(ranked, qrels, 10)).isEqualTo(1.0);
    }

    @Test
    void recallIsTheShareOfRelevantDocumentsInTheTopK() {
        // relevant = {d2, d4, d5}; top 3 holds d2 -> 1/3; top 4 holds d2, d4 -> 2/3; top 1 holds none -> 0
        assertThat(RetrievalMetrics.recallAtK(RANKED, QRELS, 3)).isCloseTo(1.0 / 3, within(EPS));
        assertThat(RetrievalMetrics.recallAtK(RANKED, QRELS, 4)).isCloseTo(2.0 / 3, within(EPS));
        assertThat(RetrievalMetrics.recallAtK(RANKED, QRELS, 100)).isCloseTo(2.0 / 3, within(EPS));
        assertThat(RetrievalMetrics.recallAtK(RANKED, QRELS, 1)).isEqualTo(0.0);
    }

    @Test
    void mrrIsTheReciprocalRankOfTheFirstRelevantDocumentWithinK() {
        // first relevant document d2 is at rank 2 -> 1/2; with k = 1 it is out of reach -> 0
        assertThat(RetrievalMetrics.mrrAtK(RANKED, QRELS, 10)).isEqualTo(0.5);
        assertThat(RetrievalMetrics.mrrAtK(RANKED, QRELS, 1)).isEqualTo(0.0);
        assertThat(RetrievalMetrics.mrrAtK(List.of("a", "b", "d4"), QRELS, 10)).isCloseTo(1.0 / 3, within(EPS));
    }

    @Test
    void zeroRelevanceJudgementsAreNotRelevant() {
        // a judged 0, b judged 1; ranked a, b: DCG = 0 + 1/log2(3); IDCG = 1/log2(2) = 1 -> 0.6309297535714575
        Map<String, Integer> qrels = Map.of("a", 0, "b", 1);
        List<String> ranked = List.of("a", "b");
        assertThat(RetrievalMetrics.ndcgAtK(ranked, qrels, 10)).isCloseTo(1 / LOG2_3, within(EPS));
        assertThat(RetrievalMetrics.recallAtK(ranked, qrels, 1)).isEqualTo(0.0);
        assertThat(RetrievalMetrics.recallAtK(ranked, qrels, 2)).isEqualTo(1.0);
        assertThat(RetrievalMetrics.mrrAtK(ranked, qrels, 10)).isEqualTo(0.5);
    }

    @Test
    void nothingRelevantRetrievedOrJudgedScoresZero() {
        assertThat(RetrievalMetrics.ndcgAtK(List.of("x", "y"), QRELS, 10)).isEqualTo(0.0);
        assertThat(RetrievalMetrics.ndcgAtK(List.of(), QRELS, 10)).isEqualTo(0.0);
        assertThat(RetrievalMetrics.recallAtK(List.of(), QRELS, 100)).isEqualTo(0.0);
        assertThat(RetrievalMetrics.mrrAtK(List.of(), QRELS, 10)).isEqualTo(0.0);
        Map<String, Integer> noneRelevant = Map.of("a", 0);
        assertThat(RetrievalMetrics.ndcgAtK(List.of("a"), noneRelevant, 10)).isEqualTo(0.0);
        assertThat(RetrievalMetrics.recallAtK(List.of("a"), noneRelevant, 10)).isEqualTo(0.0);
    }

    @Test
    void aDocumentRankedTwiceCountsOnceAtItsFirstPlace() {
        // distinct top 2 of a, a, b is a, b: b at rank 2 -> nDCG = (1/log2(3)) / 1, MRR = 1/2
        Map<String, Integer> qrels = Map.of("b", 1);
        List<String> ranked = List.of("a", "a", "b");
        assertThat(RetrievalMetrics.ndcgAtK(ranked, qrels, 2)).isCloseTo(1 / LOG2_3, within(EPS));
        assertThat(RetrievalMetrics.mrrAtK(ranked, qrels, 2)).isEqualTo(0.5);
        assertThat(RetrievalMetrics.recallAtK(ranked, qrels, 2)).isEqualTo(1.0);
    }

    @Test
    void kMustBePositive() {
        assertThatThrownBy(() -> RetrievalMetrics.ndcgAtK(RANKED, QRELS, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetrievalMetrics.recallAtK(RANKED, QRELS, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetrievalMetrics.mrrAtK(RANKED, QRELS, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
