package dev.mmsearch.retrieval.stages;

import dev.mmsearch.core.ScoredId;
import dev.mmsearch.retrieval.Candidate;
import java.util.ArrayList;
import java.util.List;

/** Helpers shared by the leaf recalls. */
final class Recalls {
    private Recalls() {
    }

    /** The store's hits as candidates scored under {@code name}, best first, equal scores by id. */
    static List<Candidate> toCandidates(List<ScoredId> hits, String name) {
        List<Candidate> out = new ArrayList<>(hits.size());
        for (ScoredId hit : hits) {
            out.add(Candidate.recalled(hit, name));
        }
        out.sort(Candidate.BY_SCORE_THEN_ID);
        return out;
    }
}
