package dev.mmsearch.retrieval;

import dev.mmsearch.retrieval.stages.BuiltinStages;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.experiment.StageKind;
import dev.mmsearch.retrieval.stages.Bm25Recall;
import dev.mmsearch.retrieval.stages.MultiRecall;
import dev.mmsearch.retrieval.stages.VectorRecall;
import dev.mmsearch.retrieval.stages.WeightedRank;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StageRegistryTest {
    static final StageRegistry REGISTRY = BuiltinStages.registry();

    static Stage create(StageKind kind, Map<String, Object> params) {
        return REGISTRY.create(kind, "arm 'x'", params);
    }

    static void assertInvalid(StageKind kind, Map<String, Object> params, String... fragments) {
        assertThatThrownBy(() -> create(kind, params))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("arm 'x'")
                .hasMessageContainingAll(fragments);
    }

    @Test
    void listsTheBuiltinTypes() {
        assertThat(REGISTRY.types(StageKind.QP)).containsExactly("identity", "normalize");
        assertThat(REGISTRY.types(StageKind.RECALL)).containsExactly("bm25", "multi", "vector");
        assertThat(REGISTRY.types(StageKind.RANK)).containsExactly("chain", "mmr", "none", "rescore", "rrf", "threshold", "weighted");
        assertThat(REGISTRY.types(StageKind.SUMMARY)).containsExactly("fields");
    }

    @Test
    void fillsDefaults() {
        VectorRecall vector = (VectorRecall) create(StageKind.RECALL, Map.of("type", "vector"));
        assertThat(vector.params()).isEqualTo(new VectorRecall.Params("vector", 100, 100, null, "max", null));
        VectorRecall deep = (VectorRecall) create(StageKind.RECALL, Map.of("type", "vector", "k", 500, "name", "dense"));
        assertThat(deep.params().numCandidates()).isEqualTo(500);
        assertThat(((VectorRecall) create(StageKind.RECALL, Map.of("type", "vector", "passageScore", "top3-mean")))
                .params().passageScore()).isEqualTo("top3-mean");
        assertThat(deep.recallNames()).containsExactly("dense");
        assertThat(((Bm25Recall) create(StageKind.RECALL, Map.of("type", "bm25"))).params().k()).isEqualTo(100);
        WeightedRank weighted = (WeightedRank) create(StageKind.RANK, Map.of("type", "weighted"));
        assertThat(weighted.params().weights()).isEqualTo(Map.of("vector", 0.5, "bm25", 0.5));
        assertThat(weighted.params().normalize()).isEqualTo("minmax");
    }

    @Test
    void rejectsUnknownTypesAndMissingTypes() {
        assertInvalid(StageKind.RECALL, Map.of("type", "vectr"), "unknown recall type 'vectr'", "bm25, multi, vector");
        assertInvalid(StageKind.RANK, Map.of("k", 3), "names no rank type", "weighted");
        assertInvalid(StageKind.SUMMARY, Map.of("type", "vector"), "unknown summary type 'vector'", "[fields]");
    }

    @Test
    void rejectsUnknownParametersNamingTheKnownOnes() {
        assertInvalid(StageKind.RECALL, Map.of("type", "vector", "kk", 10),
                "(recall 'vector')", "unknown parameter 'kk'", "k, model, name, numCandidates");
        assertInvalid(StageKind.RANK, Map.of("type", "none", "k", 1), "unknown parameter 'k'");
    }

    @Test
    void rejectsOutOfRangeValues() {
        assertInvalid(StageKind.RECALL, Map.of("type", "vector", "k", -5), "parameter 'k'", "between 1 and 10000", "-5");
        assertInvalid(StageKind.RECALL, Map.of("type", "bm25", "k", 0), "parameter 'k'", "got 0");
        assertInvalid(StageKind.RECALL, Map.of("type", "vector", "k", 200, "numCandidates", 150),
                "'numCandidates' (150) must be at least k (200)");
        assertInvalid(StageKind.RECALL, Map.of("type", "vector", "passageScore", "mean"),
                "parameter 'passageScore'", "'max' or 'topN-mean' with N from 2 to 16");
        assertInvalid(StageKind.RANK, Map.of("type", "rrf", "k", -1), "parameter 'k'", "between 0 and 10000");
        assertInvalid(StageKind.RANK, Map.of("type", "mmr", "lambda", 1.5), "parameter 'lambda'", "1.5");
        assertInvalid(StageKind.QP, Map.of("type", "normalize", "maxChars", 0), "parameter 'maxChars'");
        assertInvalid(StageKind.SUMMARY, Map.of("type", "fields", "maxTextChars", -1), "parameter 'maxTextChars'");
        assertInvalid(StageKind.RECALL, Map.of("type", "vector", "name", "has space"), "parameter 'name'");
    }

    @Test
    void rejectsValuesOfTheWrongType() {
        assertInvalid(StageKind.RECALL, Map.of("type", "vector", "k", 1.5), "parameter 'k'", "wrong type");
        assertInvalid(StageKind.RECALL, Map.of("type", "vector", "k", "many"), "parameter 'k'", "wrong type");
        assertInvalid(StageKind.RANK, Map.of("type", "weighted", "weights", "vector"), "parameter 'weights'", "wrong type");
    }

    @Test
    void rejectsFusionSettingsThatCannotWork() {
        assertInvalid(StageKind.RANK, Map.of("type", "weighted", "weights", Map.of("vector", 0.0, "bm25", 0.0)),
                "no positive weight");
        assertInvalid(StageKind.RANK, Map.of("type", "weighted", "weights", Map.of("vector", -1.0)),
                "parameter 'weights.vector'");
        assertInvalid(StageKind.RANK, Map.of("type", "weighted", "normalize", "l2"),
                "parameter 'normalize'", "[minmax, zscore, none]", "'l2'");
        assertInvalid(StageKind.RANK, Map.of("type", "threshold"), "parameter 'min' is required");
        assertInvalid(StageKind.RANK, Map.of("type", "chain", "stages", List.of()), "parameter 'stages'");
        assertInvalid(StageKind.SUMMARY, Map.of("type", "fields", "fields", List.of("title", "title")), "names a field twice");
    }

    @Test
    void validatesNestedStagesAndSaysWhere() {
        MultiRecall multi = (MultiRecall) create(StageKind.RECALL, Map.of("type", "multi", "recalls",
                List.of(Map.of("type", "vector"), Map.of("type", "bm25", "k", 50))));
        assertThat(multi.recallNames()).containsExactly("vector", "bm25");
        assertInvalid(StageKind.RECALL, Map.of("type", "multi", "recalls",
                List.of(Map.of("type", "vector"), Map.of("type", "bm25", "k", -1))), "recalls[1]", "(recall 'bm25')", "'k'");
        assertInvalid(StageKind.RECALL, Map.of("type", "multi", "recalls",
                List.of(Map.of("type", "vector"), Map.of("type", "vector", "k", 10))), "two recalls are named 'vector'");
        assertInvalid(StageKind.RECALL, Map.of("type", "multi", "recalls", List.of()), "at least one recall");
        assertInvalid(StageKind.RECALL, Map.of("type", "multi", "recalls",
                List.of(Map.of("type", "multi", "recalls", List.of(Map.of("type", "bm25"))))), "itself a multi recall");
        assertInvalid(StageKind.RANK, Map.of("type", "chain", "stages",
                List.of(Map.of("type", "weighted"), Map.of("type", "mmr", "k", 0))), "stages[1]", "(rank 'mmr')", "'k'");
        assertInvalid(StageKind.RANK, Map.of("type", "chain", "stages", List.of(Map.of("type", "bm25"))),
                "stages[0]", "unknown rank type 'bm25'");
    }

    @Test
    void weightedChecksItsWeightsAgainstTheRecalls() {
        RankStage weighted = (RankStage) create(StageKind.RANK, Map.of("type", "weighted",
                "weights", Map.of("dense", 1.0, "sparse", 1.0)));
        weighted.forRecalls(List.of("dense", "sparse"));
        weighted.forRecalls(List.of("dense"));
        assertThatThrownBy(() -> weighted.forRecalls(List.of("vector", "bm25")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[vector, bm25]");
    }

    @Test
    void aNewStageTypeIsOneRegistration() {
        record Params(Integer times) {
        }
        StageRegistry extended = REGISTRY.with(StageKind.QP, "repeat", Params.class,
                (p, nested) -> (QueryStage) ctx -> ctx.query().text().repeat(p.times()));
        assertThat(extended.types(StageKind.QP)).containsExactly("identity", "normalize", "repeat");
        assertThat(REGISTRY.types(StageKind.QP)).doesNotContain("repeat"); // the original is unchanged
        assertThat(extended.create(StageKind.QP, "arm 'r'", Map.of("type", "repeat", "times", 2))).isInstanceOf(QueryStage.class);
    }
}
