package dev.mmsearch.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.experiment.Arm;
import dev.mmsearch.core.experiment.ExperimentConfig;
import dev.mmsearch.core.experiment.Layer;
import dev.mmsearch.core.experiment.StageKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class ExperimentConfigParserTest {
    private static String example() throws IOException {
        try (InputStream in = ExperimentConfigParserTest.class.getResourceAsStream("/experiments-example.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static AbstractThrowableAssert<?, ?> assertInvalid(String text) {
        return assertThatThrownBy(() -> ExperimentConfigParser.parse(text, "test.yaml"))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.source()).isEqualTo("test.yaml");
                })
                .hasMessageStartingWith("invalid experiment config (test.yaml): ");
    }

    /** The lines of a minimal valid config, to break one at a time. Line numbers are 1-based. */
    private static final String BASE = """
            version: "v1"
            scenes:
              qa:
                layers:
                  - name: recall-exp
                    stage: recall
                    salt: recall-salt
                    arms:
                      - {name: dense, weight: 50, params: {type: vector, k: 100}}
                      - {name: sparse, weight: 50, params: {type: bm25, k: 100}}
                  - name: rank-exp
                    stage: rank
                    salt: rank-salt
                    arms:
                      - {name: rrf, weight: 1, params: {type: rrf, k: 60}}
            """;

    @Test
    void parsesTheShippedExample() throws IOException {
        ExperimentConfig config = ExperimentConfigParser.parse(example(), "experiments-example.yaml");
        assertThat(config.version()).isEqualTo("2026-11-26.1");
        assertThat(config.defaultScene()).isEqualTo("qa");
        List<Layer> layers = config.scene("qa").layers();
        assertThat(layers).extracting(Layer::name).containsExactly("recall-exp", "rank-exp");
        Layer recall = config.scene("qa").layer(StageKind.RECALL);
        assertThat(recall.salt()).isEqualTo("recall-2026-11");
        assertThat(recall.arms()).extracting(Arm::name, Arm::weight).containsExactly(
                org.assertj.core.groups.Tuple.tuple("dense", 50), org.assertj.core.groups.Tuple.tuple("hybrid", 50));
        assertThat(recall.arm("dense").params()).isEqualTo(Map.of("type", "vector", "k", 100, "numCandidates", 200));
        assertThat(recall.arm("hybrid").params().get("recalls")).isEqualTo(List.of(
                Map.of("type", "vector", "k", 100), Map.of("type", "bm25", "k", 100)));
        assertThat(config.scene("qa").layer(StageKind.RANK).arm("rrf").type()).isEqualTo("rrf");
        // Deeply immutable: a config is shared by every request thread.
        @SuppressWarnings("unchecked")
        List<Object> recalls = (List<Object>) recall.arm("hybrid").params().get("recalls");
        assertThatThrownBy(() -> recalls.add("x")).isInstanceOf(UnsupportedOperationException.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> nested = (Map<String, Object>) recalls.getFirst();
        assertThatThrownBy(() -> nested.put("k", 1)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void jsonTextGivesTheSameConfigAsYaml() {
        String json = """
                {"version": "v1", "scenes": {"qa": {"layers": [
                  {"name": "recall-exp", "stage": "recall", "salt": "recall-salt", "arms": [
                    {"name": "dense", "weight": 50, "params": {"type": "vector", "k": 100}},
                    {"name": "sparse", "weight": 50, "params": {"type": "bm25", "k": 100}}]},
                  {"name": "rank-exp", "stage": "rank", "salt": "rank-salt", "arms": [
                    {"name": "rrf", "weight": 1, "params": {"type": "rrf", "k": 60}}]}]}}}
                """;
        assertThat(ExperimentConfigParser.parse(json)).isEqualTo(ExperimentConfigParser.parse(BASE));
        assertThat(ExperimentConfigParser.parse(BASE).defaultScene()).isEqualTo("qa");
        assertThat(ExperimentConfigParser.parse("version: 7\nscenes:\n  qa:\n").version()).isEqualTo("7");
    }

    @Test
    void unknownKeysAreErrorsWithPathLineAndSuggestion() {
        assertInvalid(BASE.replace("version: \"v1\"", "version: \"v1\"\ndefaultScen: qa"))
                .hasMessageContaining("defaultScen: unknown key; did you mean 'defaultScene'? (line 2)".replace(
                        "? (line 2)", "? allowed here: version, defaultScene, collectionScenes, scenes (line 2)"));
        assertInvalid(BASE.replace("    layers:", "    layer:"))
                .hasMessageContaining("scenes.qa.layer: unknown key; did you mean 'layers'? allowed here: layers (line 4)");
        assertInvalid("version: v1\nscene:\n  qa:\n")
                .hasMessageContaining("scene: unknown key; did you mean 'scenes'? allowed here: version, defaultScene, collectionScenes, scenes (line 2)")
                .hasMessageEndingWith("; scenes: is required: a mapping of scene name to scene");
        assertInvalid(BASE.replace("{name: rrf, weight: 1,", "{name: rrf, weigth: 1,"))
                .hasMessageContaining("scenes.qa.layers[1].arms[0].weigth: unknown key; did you mean 'weight'? (line 15)".replace(
                        "? (line 15)", "? allowed here: name, weight, params (line 15)"))
                .hasMessageContaining("scenes.qa.layers[1].arms[0].weight: is required");
        assertInvalid(BASE.replace("    salt: rank-salt", "    salt: rank-salt\n        owner: bob"))
                .hasMessageContaining("scenes.qa.layers[1].owner: unknown key; allowed here: name, stage, salt, arms (line 14)");
    }

    @Test
    void missingSaltNamesTheLayer() {
        assertInvalid(BASE.replace("        salt: rank-salt\n", ""))
                .hasMessageContaining("scenes.qa.layers[1].salt: is required (in the entry at line 11)");
    }

    @Test
    void duplicateArmNamesAreRefused() {
        assertInvalid(BASE.replace("{name: sparse,", "{name: dense,"))
                .hasMessageContaining("scenes.qa.layers[0].arms[1].name: arms[0] is already named 'dense' (line 10)");
    }

    @Test
    void negativeOrNonIntegerWeightsAreRefused() {
        assertInvalid(BASE.replace("{name: rrf, weight: 1,", "{name: rrf, weight: -1,"))
                .hasMessageContaining("scenes.qa.layers[1].arms[0].weight: must be >= 0, got -1 (line 15)");
        assertInvalid(BASE.replace("{name: rrf, weight: 1,", "{name: rrf, weight: 0.5,"))
                .hasMessageContaining("scenes.qa.layers[1].arms[0].weight: must be an integer, got 0.5 (line 15)");
        assertInvalid(BASE.replace("{name: rrf, weight: 1,", "{name: rrf, weight: \"1\","))
                .hasMessageContaining("arms[0].weight: must be an integer, got '1'");
        assertInvalid(BASE.replace("{name: rrf, weight: 1,", "{name: rrf, weight: 0,"))
                .hasMessageContaining("scenes.qa.layers[1].arms: no arm has a positive weight");
    }

    @Test
    void badYamlReportsItsLine() {
        assertInvalid(BASE.replace("    stage: rank\n", "    stage: rank\n       oops: [\n"))
                .hasMessageMatching(".*not valid YAML at line 1[2-4], column \\d+: .*");
        assertInvalid("version: v1\nscenes:\n  qa: {layers: [}\n").hasMessageContaining("not valid YAML at line 3");
        assertInvalid("{\"version\": \"v1\", \"scenes\": {\"qa\": {\"layers\": [}}}")
                .hasMessageContaining("not valid JSON at line 1, column 48: Unexpected close marker '}'");
        assertInvalid(BASE.replace("version: \"v1\"", "version: \"v1\"\nversion: v2"))
                .hasMessageContaining("not valid YAML at line 2").hasMessageContaining("Duplicate Object property \"version\"");
        assertInvalid("").hasMessageContaining("the config is empty");
        assertInvalid("- a\n- b\n").hasMessageContaining("(top level): the config must be a mapping");
    }

    @Test
    void unknownStageListsTheStages() {
        assertInvalid(BASE.replace("stage: rank", "stage: rerank"))
                .hasMessageContaining("scenes.qa.layers[1].stage: unknown stage 'rerank'; use one of qp, recall, rank, summary (line 12)");
    }

    @Test
    void sceneLevelRulesAreCheckedWithPaths() {
        assertInvalid(BASE.replace("salt: rank-salt", "salt: recall-salt"))
                .hasMessageContaining("scenes.qa.layers[1].salt: layers[0] already uses salt 'recall-salt'");
        assertInvalid(BASE.replace("stage: rank", "stage: recall"))
                .hasMessageContaining("scenes.qa.layers[1].stage: layers[0] already drives stage recall");
        assertInvalid(BASE.replace("name: rank-exp", "name: recall-exp"))
                .hasMessageContaining("scenes.qa.layers[1].name: two layers named 'recall-exp'");
        assertInvalid(BASE.replace("version: \"v1\"", "version: \"v1\"\ndefaultScene: photos"))
                .hasMessageContaining("defaultScene: scene 'photos' is not defined; scenes: [qa] (line 2)");
        assertInvalid(BASE.replace("  qa:", "  q a:")).hasMessageContaining("scenes.q a: scene name 'q a' is invalid");
        assertInvalid("version: v1\nscenes: {}\n").hasMessageContaining("scenes: must be a mapping with at least one scene");
    }

    @Test
    void armParamsNeedAType() {
        assertInvalid(BASE.replace("params: {type: rrf, k: 60}", "params: {k: 60}"))
                .hasMessageContaining("scenes.qa.layers[1].arms[0].params.type: is required");
        assertInvalid(BASE.replace("params: {type: rrf, k: 60}", "params: rrf"))
                .hasMessageContaining("scenes.qa.layers[1].arms[0].params: must be a mapping, got 'rrf'");
        assertInvalid(BASE.replace("{name: rrf, weight: 1,", "{name: \"r r\", weight: 1,"))
                .hasMessageContaining("scenes.qa.layers[1].arms[0]: arm name 'r r' is invalid");
    }

    @Test
    void versionMustBeTextAndEveryProblemIsReported() {
        assertInvalid(BASE.replace("version: \"v1\"", "version: 1.10"))
                .hasMessageContaining("version: must be a string (quote it), got 1.1 (line 1)");
        assertThatThrownBy(() -> ExperimentConfigParser.parse(BASE.replace("version: \"v1\"\n", "")
                .replace("stage: rank", "stage: rerank").replace("weight: 1,", "weight: -1,")))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.problems()).hasSize(3)
                        .anySatisfy(p -> assertThat(p).startsWith("version: is required"))
                        .anySatisfy(p -> assertThat(p).startsWith("scenes.qa.layers[1].stage: unknown stage"))
                        .anySatisfy(p -> assertThat(p).startsWith("scenes.qa.layers[1].arms[0].weight: must be >= 0")));
    }

    /** {@link #BASE} with a top-level {@code collectionScenes} entry (YAML text, indented under the key). */
    private static String withCollectionScenes(String value) {
        return BASE.replace("version: \"v1\"\n", "version: \"v1\"\ncollectionScenes:" + value + "\n");
    }

    @Test
    void collectionScenesPickTheSceneOfRequestsThatNameNone() {
        String text = withCollectionScenes("\n  faq-zh: zh") + "  zh:\n    layers: []\n";
        ExperimentConfig config = ExperimentConfigParser.parse(text, "test.yaml");
        assertThat(config.collectionScenes()).containsExactly(Map.entry("faq-zh", "zh"));
        assertThat(config.scene(null, "faq-zh").name()).isEqualTo("zh");
        assertThat(config.scene("", "faq-zh").name()).isEqualTo("zh");
        assertThat(config.scene(null, "scifact").name()).as("unlisted: the default scene").isEqualTo("qa");
        assertThat(config.scene("qa", "faq-zh").name()).as("a named scene wins").isEqualTo("qa");
        assertThatThrownBy(() -> config.scene("nope", "faq-zh")).hasMessageContaining("unknown scene 'nope'");

        assertInvalid(withCollectionScenes("\n  faq-zh: zh"))
                .hasMessageContaining("collectionScenes.faq-zh: scene 'zh' is not defined; scenes: [qa]");
        assertInvalid(withCollectionScenes(" [qa]"))
                .hasMessageContaining("collectionScenes: must be a mapping of collection name to scene name");
        assertInvalid(withCollectionScenes("\n  faq-zh: 3"))
                .hasMessageContaining("collectionScenes.faq-zh: must be a scene name");
    }
}
