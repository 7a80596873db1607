package dev.mmsearch.retrieval.stages;

import dev.mmsearch.core.Document;
import dev.mmsearch.retrieval.Candidate;
import dev.mmsearch.retrieval.ParamChecks;
import dev.mmsearch.retrieval.RankStage;
import dev.mmsearch.retrieval.RequestContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * rank {@code mmr}: maximal marginal relevance diversification (Carbonell &amp; Goldstein, SIGIR
 * 1998) of the top {@code k} candidates. Greedily picks, among those not yet picked, the one
 * maximising {@code lambda * relevance - (1 - lambda) * max similarity to an already picked one}.
 * Relevance is the incoming score min-max normalised over the top k (so lambda weighs two values
 * in [0, 1]); candidates after the top k keep their order behind them.
 *
 * <p>Similarity is the Jaccard overlap of the documents' word sets (lower-cased letter/digit
 * runs of the chosen text fields, minus a short English stop list), not embedding cosine. Word
 * overlap catches the redundancy MMR is for (near-duplicates, the same abstract twice) at a
 * fraction of a millisecond; an embedding variant could now read the stored vectors by id
 * ({@link dev.mmsearch.core.CollectionView#vectors}), as {@link RescoreRank} does.
 *
 * <p>MMR reorders but does not rescore: a candidate keeps its score (so thresholds after it still
 * mean relevance) and gets its marginal value recorded as {@code mmr}.
 */
public final class MmrRank implements RankStage {
    public static final String TYPE = "mmr";
    public static final String SCORE_NAME = "mmr";

    private static final Pattern NON_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");
    // A short stop list: without it, "the/of/and" make every pair of English abstracts look similar.
    private static final Set<String> STOP_WORDS = Set.of("a", "an", "and", "are", "as", "at", "be", "by", "for",
            "from", "has", "have", "in", "is", "it", "its", "of", "on", "or", "that", "the", "this", "to", "was",
            "were", "which", "with", "we", "our", "not", "but", "these", "than", "can");

    /**
     * @param lambda relevance vs diversity, 0..1 (default 0.7; 1 = keep the incoming order)
     * @param k      how many of the top candidates to diversify, 1..1000 (default 50)
     * @param fields text fields compared for redundancy (default: the collection's BM25 text fields)
     */
    public record Params(Double lambda, Integer k, List<String> fields) {
        public Params {
            lambda = ParamChecks.doubleIn("lambda", lambda, 0.7, 0, 1);
            k = ParamChecks.intIn("k", k, 50, 1, 1000);
            fields = ParamChecks.fieldNames("fields", fields, null);
            if (fields != null && fields.isEmpty()) {
                throw new IllegalArgumentException("parameter 'fields' is empty; leave it out to use the text fields");
            }
        }
    }

    private final Params params;

    public MmrRank(Params params) {
        this.params = params;
    }

    @Override
    public List<Candidate> rank(RequestContext context, List<Candidate> candidates) {
        int n = Math.min(params.k(), candidates.size());
        if (n < 2) {
            return candidates;
        }
        List<Candidate> top = candidates.subList(0, n);
        List<String> fields = params.fields() != null ? params.fields() : context.collection().schema().textFields();
        Map<String, Document> docs = context.view().fetch(top.stream().map(Candidate::ref).toList());
        List<Set<String>> words = new ArrayList<>(n);
        for (Candidate c : top) {
            Document doc = docs.get(c.id());
            StringBuilder text = new StringBuilder();
            for (String field : fields) {
                text.append(doc == null ? "" : doc.text(field)).append(' ');
            }
            words.add(words(text.toString()));
        }
        List<Candidate> out = new ArrayList<>(diversify(top, words, params.lambda()));
        out.addAll(candidates.subList(n, candidates.size()));
        return out;
    }

    /** The word set compared by {@link #jaccard}. */
    static Set<String> words(String text) {
        Set<String> out = new HashSet<>();
        for (String token : NON_WORD.split(text.toLowerCase(Locale.ROOT))) {
            if (!token.isEmpty() && !STOP_WORDS.contains(token)) {
                out.add(token);
            }
        }
        return out;
    }

    /** |a ∩ b| / |a ∪ b|; 0 when both are empty. */
    static double jaccard(Set<String> a, Set<String> b) {
        if (a.isEmpty() && b.isEmpty()) {
            return 0;
        }
        Set<String> small = a.size() <= b.size() ? a : b;
        Set<String> large = small == a ? b : a;
        int common = 0;
        for (String w : small) {
            if (large.contains(w)) {
                common++;
            }
        }
        return (double) common / (a.size() + b.size() - common);
    }

    /**
     * MMR order of {@code top} given each candidate's word set; ties go to the earlier candidate. Pure.
     *
     * @return the candidates in pick order, each annotated with its marginal value under {@code mmr}
     */
    public static List<Candidate> diversify(List<Candidate> top, List<Set<String>> words, double lambda) {
        int n = top.size();
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Candidate c : top) {
            min = Math.min(min, c.score());
            max = Math.max(max, c.score());
        }
        double[] relevance = new double[n];
        for (int i = 0; i < n; i++) {
            relevance[i] = max == min ? 1 : (top.get(i).score() - min) / (max - min);
        }
        double[] maxSimilarity = new double[n];
        boolean[] picked = new boolean[n];
        List<Candidate> out = new ArrayList<>(n);
        for (int round = 0; round < n; round++) {
            int best = -1;
            double bestValue = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                if (!picked[i]) {
                    double value = lambda * relevance[i] - (1 - lambda) * maxSimilarity[i];
                    if (value > bestValue) {
                        best = i;
                        bestValue = value;
                    }
                }
            }
            picked[best] = true;
            out.add(top.get(best).annotated(SCORE_NAME, (float) bestValue));
            for (int i = 0; i < n; i++) {
                if (!picked[i]) {
                    maxSimilarity[i] = Math.max(maxSimilarity[i], jaccard(words.get(best), words.get(i)));
                }
            }
        }
        return out;
    }
}
