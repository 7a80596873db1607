package dev.mmsearch.retrieval.stages;

import dev.mmsearch.core.experiment.ExperimentConfig;
import dev.mmsearch.core.experiment.Scene;
import dev.mmsearch.core.experiment.StageKind;
import dev.mmsearch.retrieval.CompiledExperiments;
import dev.mmsearch.retrieval.StageRegistry;
import java.util.List;

/**
 * The stages this module ships, by kind and type name: qp identity/normalize; recall vector/bm25/multi; rank
 * none/rrf/weighted/mmr/rescore/threshold/chain; summary fields. Here, next to the stages, so that the pipeline
 * package ({@code retrieval}) knows only the stage interfaces and dependencies run one way.
 */
public final class BuiltinStages {
    private static final StageRegistry REGISTRY = StageRegistry.empty()
            .with(StageKind.QP, IdentityQuery.TYPE, IdentityQuery.Params.class, (p, n) -> IdentityQuery.INSTANCE)
            .with(StageKind.QP, NormalizeQuery.TYPE, NormalizeQuery.Params.class, (p, n) -> new NormalizeQuery(p))
            .with(StageKind.RECALL, VectorRecall.TYPE, VectorRecall.Params.class, (p, n) -> new VectorRecall(p))
            .with(StageKind.RECALL, Bm25Recall.TYPE, Bm25Recall.Params.class, (p, n) -> new Bm25Recall(p))
            .with(StageKind.RECALL, MultiRecall.TYPE, MultiRecall.Params.class, MultiRecall::create)
            .with(StageKind.RANK, NoRank.TYPE, NoRank.Params.class, (p, n) -> NoRank.INSTANCE)
            .with(StageKind.RANK, RrfRank.TYPE, RrfRank.Params.class, (p, n) -> new RrfRank(p))
            .with(StageKind.RANK, WeightedRank.TYPE, WeightedRank.Params.class, (p, n) -> new WeightedRank(p))
            .with(StageKind.RANK, MmrRank.TYPE, MmrRank.Params.class, (p, n) -> new MmrRank(p))
            .with(StageKind.RANK, RescoreRank.TYPE, RescoreRank.Params.class, (p, n) -> new RescoreRank(p))
            .with(StageKind.RANK, ThresholdRank.TYPE, ThresholdRank.Params.class, (p, n) -> new ThresholdRank(p))
            .with(StageKind.RANK, ChainRank.TYPE, ChainRank.Params.class, ChainRank::create)
            .with(StageKind.SUMMARY, FieldsSummary.TYPE, FieldsSummary.Params.class, (p, n) -> new FieldsSummary(p));

    private BuiltinStages() {
    }

    /** The registry of the built-in stages. */
    public static StageRegistry registry() {
        return REGISTRY;
    }

    /** Built-in stages only: one scene {@code default} with no layers (dense search, top fields). */
    public static CompiledExperiments defaults() {
        return CompiledExperiments.compile(ExperimentConfig.of("builtin-default", List.of(new Scene("default",
                List.of()))), REGISTRY);
    }
}
