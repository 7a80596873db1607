package dev.mmsearch.retrieval;

import java.util.List;

/** Orders (and possibly filters or rescores) the recalled candidates; returns the final ranked list. */
public interface RankStage extends Stage {
    List<Candidate> rank(RequestContext context, List<Candidate> candidates);

    /**
     * Checks, when a configuration is compiled, that this stage can work on the output of recalls with
     * these names (e.g. fusion weights that name none of them are a configuration error).
     *
     * @throws IllegalArgumentException saying what does not fit
     */
    default void checkRecalls(List<String> recallNames) {
    }
}
