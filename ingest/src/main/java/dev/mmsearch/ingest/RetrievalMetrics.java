package dev.mmsearch.ingest;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Standard IR metrics over one query's ranked result ids and its relevance judgements (qrels:
 * doc id -> graded relevance), computed as pytrec_eval / BEIR do:
 * <ul>
 *   <li>nDCG@k: gain = relevance (linear, as trec_eval), discount 1/log2(rank + 1); the ideal DCG
 *       ranks all judged documents by relevance; 0 when nothing is relevant;</li>
 *   <li>Recall@k: relevant (relevance &gt; 0) documents in the top k / all relevant documents;</li>
 *   <li>MRR@k: 1 / rank of the first relevant document in the top k, 0 when none.</li>
 * </ul>
 * Negative relevance counts as 0. A document id that occurs twice in a ranking counts once (first place).
 * Pure functions; hand-written because they are a few lines and must match the reference exactly.
 */
public final class RetrievalMetrics {
    private RetrievalMetrics() {
    }

    public static double ndcgAtK(List<String> ranked, Map<String, Integer> qrels, int k) {
        requirePositive(k);
        List<String> top = topK(ranked, k);
        double dcg = 0;
        for (int i = 0; i < top.size(); i++) {
            dcg += gain(qrels.get(top.get(i))) / log2(i + 2);
        }
        List<Integer> ideal = qrels.values().stream().map(RetrievalMetrics::gain).filter(g -> g > 0)
                .sorted((a, b) -> Integer.compare(b, a)).limit(k).toList();
        double idcg = 0;
        for (int i = 0; i < ideal.size(); i++) {
            idcg += ideal.get(i) / log2(i + 2);
        }
        return idcg == 0 ? 0 : dcg / idcg;
    }

    public static double recallAtK(List<String> ranked, Map<String, Integer> qrels, int k) {
        requirePositive(k);
        long relevant = qrels.values().stream().filter(r -> r != null && r > 0).count();
        if (relevant == 0) {
            return 0;
        }
        long found = topK(ranked, k).stream().filter(id -> gain(qrels.get(id)) > 0).count();
        return (double) found / relevant;
    }

    public static double mrrAtK(List<String> ranked, Map<String, Integer> qrels, int k) {
        requirePositive(k);
        List<String> top = topK(ranked, k);
        for (int i = 0; i < top.size(); i++) {
            if (gain(qrels.get(top.get(i))) > 0) {
                return 1.0 / (i + 1);
            }
        }
        return 0;
    }

    /** The first k distinct ids. */
    private static List<String> topK(List<String> ranked, int k) {
        Set<String> distinct = new LinkedHashSet<>();
        for (String id : ranked) {
            if (distinct.size() == k) {
                break;
            }
            distinct.add(id);
        }
        return List.copyOf(distinct);
    }

    private static int gain(Integer relevance) {
        return relevance == null ? 0 : Math.max(0, relevance);
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    private static void requirePositive(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be positive: " + k);
        }
    }
}
