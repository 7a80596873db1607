package dev.mmsearch.retrieval.stages;

import dev.mmsearch.retrieval.Candidate;
import dev.mmsearch.retrieval.RankStage;
import dev.mmsearch.retrieval.RequestContext;
import java.util.List;

/**
 * rank {@code none}: keeps the recall's order (for one recall: its score order, ties by id; for
 * {@code multi}: the interleaved merge order). The default rank stage. No parameters.
 */
public final class NoRank implements RankStage {
    public static final String TYPE = "none";
    public static final NoRank INSTANCE = new NoRank();

    /** No parameters. */
    public record Params() {
    }

    private NoRank() {
    }

    @Override
    public List<Candidate> rank(RequestContext context, List<Candidate> candidates) {
        return candidates;
    }
}
