package dev.mmsearch.retrieval;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mmsearch.core.DocRef;
import dev.mmsearch.core.PassageMatch;
import dev.mmsearch.core.ScoredId;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One document on its way through recall and rank. Immutable: a stage that rescores returns new
 * candidates.
 *
 * @param id     document id
 * @param score  current score (higher is better); what the last stage that scored it decided
 * @param scores one entry per recall that found the document (its raw score, keyed by recall name)
 *               and per rank stage that scored it (e.g. {@code fusion}); a recall that did not find
 *               the document has no entry (absent, not 0)
 * @param doc    where the request's view keeps the document ({@link DocRef#doc()}), -1 when unknown; lets the
 *               summary read it without looking the id up again (not part of the debug output)
 * @param passage in a collection with passages, the passage a vector recall matched best (null otherwise, and for
 *               candidates only other recalls found); the summary shows and highlights it
 */
public record Candidate(String id, float score, Map<String, Float> scores, @JsonIgnore int doc,
                        @JsonInclude(JsonInclude.Include.NON_NULL) PassageMatch passage) {
    /** Best score first; equal scores by id, so every ranking is a total, reproducible order. */
    public static final Comparator<Candidate> BY_SCORE_THEN_ID =
            Comparator.comparingDouble((Candidate c) -> c.score).reversed().thenComparing(Candidate::id);

    public Candidate {
        Objects.requireNonNull(id, "id");
        scores = scores == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(scores));
    }

    /** A candidate without a known position in the view. */
    public Candidate(String id, float score, Map<String, Float> scores) {
        this(id, score, scores, DocRef.UNKNOWN, null);
    }

    /** A candidate without a matched passage. */
    public Candidate(String id, float score, Map<String, Float> scores, int doc) {
        this(id, score, scores, doc, null);
    }

    /** A store hit found by one recall: its score map holds just that recall's score; its position is kept. */
    public static Candidate recalled(ScoredId hit, String recall) {
        return new Candidate(hit.id(), hit.score(), Map.of(recall, hit.score()), hit.doc(), hit.passage());
    }

    /** The reference to hand to the request's view. */
    public DocRef ref() {
        return new DocRef(id, doc);
    }

    /** A candidate found by one recall: its score map holds just that recall's score. */
    public static Candidate recalled(String id, String recall, float score) {
        return new Candidate(id, score, Map.of(recall, score));
    }

    /** This candidate with a new score, recorded under {@code stage} in the score map too. */
    public Candidate rescored(String stage, float newScore) {
        Map<String, Float> copy = new LinkedHashMap<>(scores);
        copy.put(stage, newScore);
        return new Candidate(id, newScore, copy, doc, passage);
    }

    /** This candidate with one more score-map entry; the score itself is unchanged. */
    public Candidate annotated(String stage, float value) {
        Map<String, Float> copy = new LinkedHashMap<>(scores);
        copy.put(stage, value);
        return new Candidate(id, score, copy, doc, passage);
    }

    /** The score recorded under {@code name}, or null when that recall/stage did not score it. */
    public Float score(String name) {
        return scores.get(name);
    }
}
