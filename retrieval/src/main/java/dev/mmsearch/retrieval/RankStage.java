package dev.mmsearch.retrieval;

import java.util.List;

/** Orders (and possibly filters or rescores) the recalled candidates; returns the final ranked list. */
public interface RankStage extends Stage {
    List<Candidate> rank(RequestContext context, List<Candidate> candidates);

    /**
     * This stage as one pipeline runs it: bound, when the configuration is compiled, to the names of the recalls of
     * that pipeline (in configuration order). Checks that the stage can work on their output (e.g. fusion weights that
     * name none of them are a configuration error) and returns the stage to run: itself, or, for a stage that needs
     * the names (RRF fuses over every recall), a copy that holds them. Never called per request.
     *
     * @throws IllegalArgumentException saying what does not fit
     */
    default RankStage forRecalls(List<String> recallNames) {
        return this;
    }
}
