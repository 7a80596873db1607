package dev.mmsearch.retrieval;

import dev.mmsearch.retrieval.stages.BuiltinStages;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.experiment.Arm;
import dev.mmsearch.core.experiment.ExperimentConfig;
import dev.mmsearch.core.experiment.Layer;
import dev.mmsearch.core.experiment.Scene;
import dev.mmsearch.core.experiment.StageKind;
import dev.mmsearch.retrieval.stages.Bm25Recall;
import dev.mmsearch.retrieval.stages.MultiRecall;
import dev.mmsearch.retrieval.stages.NoRank;
import dev.mmsearch.retrieval.stages.RrfRank;
import dev.mmsearch.retrieval.stages.VectorRecall;
import dev.mmsearch.retrieval.stages.WeightedRank;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompiledExperimentsTest {
    static final Map<String, Object> HYBRID = Map.of("type", "multi", "recalls",
            List.of(Map.of("type", "vector", "k", 100), Map.of("type", "bm25", "k", 100)));

    static Layer recallLayer(Arm... extra) {
        List<Arm> arms = new java.util.ArrayList<>(List.of(new Arm("dense", 1, Map.of("type", "vector")),
                new Arm("hybrid", 1, HYBRID)));
        arms.addAll(List.of(extra));
        return new Layer("recall-exp", StageKind.RECALL, "salt-recall", arms);
    }

    static Layer rankLayer(Arm... arms) {
        return new Layer("rank-exp", StageKind.RANK, "salt-rank", List.of(arms));
    }

    static ExperimentConfig config(Layer... layers) {
        return ExperimentConfig.of("2026-11-26", List.of(new Scene("qa", List.of(layers)),
                new Scene("lexical", List.of(new Layer("only", StageKind.RECALL, "salt-lex",
                        List.of(new Arm("bm25", 1, Map.of("type", "bm25"))))))));
    }

    static final CompiledExperiments COMPILED = CompiledExperiments.compile(config(recallLayer(),
            rankLayer(new Arm("rrf", 1, Map.of("type", "rrf")),
                    new Arm("weighted", 1, Map.of("type", "weighted", "weights", Map.of("vector", 0.7, "bm25", 0.3))),
                    new Arm("off", 0, Map.of("type", "none")))), BuiltinStages.registry());

    @Test
    void forcedArmsPickThePipelineOfThatCombination() {
        Pipeline pipeline = COMPILED.select(SearchQuery.of("c", "q", 10).withUser("u1")
                .withForcedArms(Map.of("recall-exp", "hybrid", "rank-exp", "weighted")));
        assertThat(pipeline.arms()).containsExactly(Map.entry("recall-exp", "hybrid"), Map.entry("rank-exp", "weighted"));
        assertThat(pipeline.scene()).isEqualTo("qa");
        assertThat(pipeline.configVersion()).isEqualTo("2026-11-26");
        assertThat(pipeline.recall()).isInstanceOf(MultiRecall.class);
        assertThat(((WeightedRank) pipeline.rank()).params().weights()).containsEntry("vector", 0.7);
        Pipeline off = COMPILED.select(SearchQuery.of("c", "q", 10).withForcedArms(Map.of("rank-exp", "off")));
        assertThat(off.rank()).isSameAs(NoRank.INSTANCE);
        // Pipelines are built once per combination and shared.
        assertThat(COMPILED.select(SearchQuery.of("c", "other", 3).withForcedArms(Map.of("recall-exp", "hybrid",
                "rank-exp", "weighted")))).isSameAs(pipeline);
    }

    @Test
    void usersAreSplitByTheirBucketsAndZeroWeightArmsOnlyServeWhenForced() {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 4000; i++) {
            Pipeline p = COMPILED.select(SearchQuery.of("c", "q", 10).withUser("user-" + i));
            p.arms().forEach((layer, arm) -> counts.merge(layer + "/" + arm, 1, Integer::sum));
            assertThat(COMPILED.select(SearchQuery.of("c", "q", 10).withUser("user-" + i))).isSameAs(p); // sticky
        }
        assertThat(counts).doesNotContainKey("rank-exp/off");
        for (String arm : List.of("recall-exp/dense", "recall-exp/hybrid", "rank-exp/rrf", "rank-exp/weighted")) {
            assertThat(counts.get(arm)).as(arm).isBetween(1800, 2200);
        }
    }

    @Test
    void scenesDefaultAndStagesWithoutALayerRunTheirDefaults() {
        Pipeline lexical = COMPILED.select(SearchQuery.of("c", "q", 10).withScene("lexical"));
        assertThat(lexical.recall()).isInstanceOf(Bm25Recall.class);
        assertThat(lexical.rank()).isSameAs(NoRank.INSTANCE);
        assertThat(lexical.arms()).containsExactly(Map.entry("only", "bm25"));
        assertThat(COMPILED.select(SearchQuery.of("c", "q", 10)).scene()).isEqualTo("qa");
        Pipeline defaults = BuiltinStages.defaults().select(SearchQuery.of("c", "q", 10));
        assertThat(defaults.arms()).isEmpty();
        assertThat(((VectorRecall) defaults.recall()).params().k()).isEqualTo(100);
        assertThatThrownBy(() -> COMPILED.select(SearchQuery.of("c", "q", 10).withScene("photos")))
                .hasMessageContaining("unknown scene 'photos'");
    }

    @Test
    void forcingAnArmThatDoesNotExistIsABadRequest() {
        assertThatThrownBy(() -> COMPILED.select(SearchQuery.of("c", "q", 10).withForcedArms(Map.of("rank-exp", "nope"))))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("'nope'").hasMessageContaining("[rrf, weighted, off]");
        assertThatThrownBy(() -> COMPILED.select(SearchQuery.of("c", "q", 10).withForcedArms(Map.of("nolayer", "x"))))
                .hasMessageContaining("'nolayer'");
    }

    @Test
    void anInvalidArmAnywhereRejectsTheWholeConfig() {
        assertThatThrownBy(() -> CompiledExperiments.compile(config(recallLayer(new Arm("broken", 0,
                Map.of("type", "vector", "k", -1)))), BuiltinStages.registry()))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("scene 'qa' layer 'recall-exp' arm 'broken'").hasMessageContaining("'k'");
        assertThatThrownBy(() -> CompiledExperiments.compile(config(recallLayer(), rankLayer(new Arm("w", 1,
                Map.of("type", "weighted", "weights", Map.of("vector", 1.0), "normalise", "minmax")))), BuiltinStages.registry()))
                .hasMessageContaining("arm 'w'").hasMessageContaining("unknown parameter 'normalise'");
        assertThatThrownBy(() -> CompiledExperiments.compile(config(recallLayer(), rankLayer(new Arm("r", 1,
                Map.of("type", "reciprocal")))), BuiltinStages.registry()))
                .hasMessageContaining("unknown rank type 'reciprocal'");
    }

    @Test
    void aRankArmThatFitsNoRecallArmIsRejected() {
        assertThatThrownBy(() -> CompiledExperiments.compile(config(recallLayer(), rankLayer(new Arm("w", 1,
                Map.of("type", "weighted", "weights", Map.of("dense", 1.0, "sparse", 1.0))))), BuiltinStages.registry()))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("scene 'qa'").hasMessageContaining("rank-exp=w").hasMessageContaining("dense").hasMessageContaining("sparse");
    }

    @Test
    void rrfNeedsNoWeightsSoItFitsEveryRecall() {
        Pipeline p = COMPILED.select(SearchQuery.of("c", "q", 1).withForcedArms(Map.of("recall-exp", "dense", "rank-exp", "rrf")));
        assertThat(p.rank()).isInstanceOf(RrfRank.class);
    }

    @Test
    void aRetrieverForcesTheRecallLayersArmOfThatNameAndIsTheSameAsForcingIt() {
        for (int i = 0; i < 50; i++) {
            SearchQuery query = SearchQuery.of("c", "q", 10).withUser("user-" + i);
            Pipeline viaRetriever = COMPILED.select(query.withRetriever("hybrid"));
            assertThat(viaRetriever.arms()).containsEntry("recall-exp", "hybrid");
            // The same pipeline, shared, as forcing the arm by its layer: the rank layer still buckets by user.
            assertThat(viaRetriever).isSameAs(COMPILED.select(query.withForcedArms(Map.of("recall-exp", "hybrid"))));
        }
    }

    @Test
    void anArmForcedForTheRecallLayerWinsOverTheRetriever() {
        Pipeline p = COMPILED.select(SearchQuery.of("c", "q", 10).withRetriever("hybrid")
                .withForcedArms(Map.of("recall-exp", "dense", "rank-exp", "rrf")));
        assertThat(p.arms()).containsEntry("recall-exp", "dense").containsEntry("rank-exp", "rrf");
    }

    @Test
    void aRetrieverThatIsNoRecallArmIsRefusedNamingTheArms() {
        assertThatThrownBy(() -> COMPILED.select(SearchQuery.of("c", "q", 10).withRetriever("bm25")))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("retriever 'bm25'").hasMessageContaining("[dense, hybrid]");
        // Scene "lexical" has no recall *stage* layer named like an arm "dense".
        assertThatThrownBy(() -> COMPILED.select(SearchQuery.of("c", "q", 10).withScene("lexical").withRetriever("dense")))
                .hasMessageContaining("[bm25]");
    }

    @Test
    void fusionStagesAreBoundToTheirPipelinesRecallsWhenCompiled() {
        Pipeline hybrid = COMPILED.select(SearchQuery.of("c", "q", 1).withForcedArms(Map.of("recall-exp", "hybrid",
                "rank-exp", "rrf")));
        Pipeline dense = COMPILED.select(SearchQuery.of("c", "q", 1).withForcedArms(Map.of("recall-exp", "dense",
                "rank-exp", "rrf")));
        List<Candidate> merged = MultiRecall.merge(List.of(
                List.of(Candidate.recalled("a", "vector", 0.9f), Candidate.recalled("b", "vector", 0.8f)),
                List.of(Candidate.recalled("b", "bm25", 9f), Candidate.recalled("c", "bm25", 8f))));
        // No request context carries recall names: each pipeline's own rrf copy knows them.
        assertThat(hybrid.rank().rank(null, merged)).extracting(Candidate::id).containsExactly("b", "a", "c");
        assertThat(dense.rank().rank(null, merged)).extracting(Candidate::id).containsExactly("a", "b", "c");
        assertThat(hybrid.rank()).isNotSameAs(dense.rank());
    }
}
