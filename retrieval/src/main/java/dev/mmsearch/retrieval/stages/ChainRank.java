package dev.mmsearch.retrieval.stages;

import dev.mmsearch.retrieval.Candidate;
import dev.mmsearch.retrieval.NestedStages;
import dev.mmsearch.retrieval.RankStage;
import dev.mmsearch.retrieval.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** rank {@code chain}: runs several rank stages in order, each on the previous one's output (e.g. weighted → mmr → threshold). */
public final class ChainRank implements RankStage {
    public static final String TYPE = "chain";

    /** @param stages the rank stages, each {@code {type: ..., ...its params}}; at least one */
    public record Params(List<Map<String, Object>> stages) {
        public Params {
            if (stages == null || stages.isEmpty()) {
                throw new IllegalArgumentException("parameter 'stages' must list at least one rank stage, e.g. "
                        + "[{type: weighted}, {type: mmr}]");
            }
            stages = List.copyOf(stages);
        }
    }

    private final List<RankStage> stages;

    public ChainRank(List<RankStage> stages) {
        this.stages = List.copyOf(stages);
    }

    public static ChainRank create(Params params, NestedStages nested) {
        List<RankStage> built = new ArrayList<>();
        for (int i = 0; i < params.stages().size(); i++) {
            built.add(nested.rank("stages[" + i + "]", params.stages().get(i)));
        }
        return new ChainRank(built);
    }

    @Override
    public List<Candidate> rank(RequestContext context, List<Candidate> candidates) {
        List<Candidate> current = candidates;
        for (RankStage stage : stages) {
            current = stage.rank(context, current);
        }
        return current;
    }

    /** The chain of its stages, each bound to {@code recallNames}. */
    @Override
    public ChainRank forRecalls(List<String> recallNames) {
        List<RankStage> bound = new ArrayList<>(stages.size());
        for (int i = 0; i < stages.size(); i++) {
            try {
                bound.add(stages.get(i).forRecalls(recallNames));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("stages[" + i + "]: " + e.getMessage(), e);
            }
        }
        return new ChainRank(bound);
    }
}
