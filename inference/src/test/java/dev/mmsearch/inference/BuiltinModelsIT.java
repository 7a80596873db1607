package dev.mmsearch.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.mmsearch.inference.onnx.OnnxTextEncoder;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every built-in model copies out of its jar, loads, has the catalogued dimension, gives unit
 * vectors, ranks relevant passages above unrelated ones, and its int8 version stays close to fp32.
 * Slow (all eight models, ~450 MB of ONNX), hence an integration test.
 */
class BuiltinModelsIT {

    private static final List<String> EN_QUERIES = List.of("how do vaccines protect people", "how to cook rice");
    private static final List<String> EN_PASSAGES = List.of(
            "Vaccines train the immune system to recognise a pathogen before an infection happens.",
            "Rinse the rice, then simmer it covered in twice its volume of water for fifteen minutes.");
    private static final List<String> ZH_QUERIES = List.of("疫苗如何保护人体？", "怎么煮米饭？");
    private static final List<String> ZH_PASSAGES = List.of(
            "疫苗让免疫系统提前认识病原体，从而在感染发生前做好防御。",
            "把米淘洗干净，加入两倍的水，盖上锅盖小火煮十五分钟即可。");

    private static ModelRegistry registry;

    @BeforeAll
    static void open() {
        registry = new ModelRegistry(TestModels.modelCacheDir(), TestModels.OPTIONS);
    }

    @AfterAll
    static void close() {
        registry.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bge-small-en-v1.5", "bge-small-en-v1.5-q", "all-MiniLM-L6-v2", "all-MiniLM-L6-v2-q",
            "bge-small-zh-v1.5", "bge-small-zh-v1.5-q", "e5-small-v2", "e5-small-v2-q"})
    void builtinLoadsAndRanksRelevantPassagesFirst(String id) {
        BuiltinModel builtin = BuiltinModels.find(id).orElseThrow();
        OnnxTextEncoder encoder = registry.onnxTextEncoder(id);
        assertThat(encoder.dimension()).isEqualTo(builtin.dimension());
        boolean chinese = id.contains("-zh-");
        float[][] q = encoder.encodeQueries(chinese ? ZH_QUERIES : EN_QUERIES);
        float[][] p = encoder.encodeDocuments(chinese ? ZH_PASSAGES : EN_PASSAGES);
        for (float[] v : q) {
            assertThat(TestModels.norm(v)).isCloseTo(1.0, within(1e-4));
        }
        for (int i = 0; i < q.length; i++) {
            int other = 1 - i;
            assertThat(TestModels.cosine(q[i], p[i])).as("%s query %d", id, i)
                    .isGreaterThan(TestModels.cosine(q[i], p[other]) + 0.05);
        }
        if (builtin.quantized()) {
            OnnxTextEncoder full = registry.onnxTextEncoder(id.substring(0, id.length() - 2));
            List<String> texts = chinese ? ZH_PASSAGES : EN_PASSAGES;
            float[][] fp32 = full.encodeDocuments(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertThat(TestModels.cosine(p[i], fp32[i])).as("%s vs fp32", id).isGreaterThan(0.95);
            }
        }
    }
}
