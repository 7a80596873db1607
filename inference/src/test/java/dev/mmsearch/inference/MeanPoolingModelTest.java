package dev.mmsearch.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.mmsearch.inference.bundle.ModelManifest;
import dev.mmsearch.inference.onnx.OnnxTextEncoder;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** all-MiniLM-L6-v2 (fp32): attention-mask mean pooling, unit norm, and its tokenizer.json's 128 limit overridden. */
class MeanPoolingModelTest {

    private static final List<String> WORDS = List.of("river", "stone", "light", "music", "garden", "window",
            "winter", "doctor", "market", "forest", "engine", "school", "bridge", "summer", "letter", "island");

    private static OnnxTextEncoder encoder;

    @BeforeAll
    static void load() {
        encoder = TestModels.encoder("all-MiniLM-L6-v2");
    }

    private static String words(int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append(i == 0 ? "" : " ").append(WORDS.get((i * 7 + i / 16) % WORDS.size()));
        }
        return text.toString();
    }

    @Test
    void manifestIsMeanPoolingWithoutPrefixes() {
        assertThat(encoder.manifest().pooling()).isEqualTo(ModelManifest.Pooling.MEAN);
        assertThat(encoder.manifest().queryPrefix()).isEmpty();
        assertThat(encoder.manifest().documentPrefix()).isEmpty();
        assertThat(encoder.maxSequenceLength()).isEqualTo(256);
        assertThat(encoder.dimension()).isEqualTo(384);
    }

    @Test
    void closePairsScoreHigherThanUnrelatedPairs() {
        float[][] v = encoder.encodeDocuments(List.of(
                "A man is playing a guitar.",
                "Someone is playing a musical instrument.",
                "The stock market fell sharply today.",
                "How do I reset my password?",
                "I forgot my login credentials and cannot sign in."));
        assertThat(TestModels.cosine(v[0], v[1])).isGreaterThan(TestModels.cosine(v[0], v[2]) + 0.2);
        assertThat(TestModels.cosine(v[3], v[4])).isGreaterThan(TestModels.cosine(v[3], v[0]) + 0.2);
        assertThat(TestModels.cosine(v[3], v[4])).isGreaterThan(TestModels.cosine(v[3], v[2]) + 0.2);
        for (float[] vector : v) {
            assertThat(TestModels.norm(vector)).isCloseTo(1.0, within(1e-5));
        }
    }

    @Test
    void tokenizerJsonTruncationAndPaddingAt128AreOverridden() {
        // tokenizer.json pads every input to 128; we pad per batch instead
        assertThat(encoder.countTokens("hello world")).isEqualTo(4);
        String long200 = words(198);
        assertThat(encoder.countTokens(long200)).isEqualTo(200);
        String first128 = words(126);
        assertThat(encoder.countTokens(first128)).isEqualTo(128);
        double cosine = TestModels.cosine(encoder.encodeQuery(long200), encoder.encodeQuery(first128));
        assertThat(cosine).as("the tokens after 128 take part in the mean").isLessThan(0.999);
        // and the model's own limit of 256 still applies
        assertThat(encoder.countTokens(words(400))).isEqualTo(256);
    }

    @Test
    void meanPoolingIgnoresPaddingPositions() {
        float[][] together = encoder.encodeDocuments(List.of("short text", words(150)));
        float[] alone = encoder.encodeDocuments(List.of("short text"))[0];
        assertThat(TestModels.cosine(together[0], alone)).isGreaterThanOrEqualTo(0.99999);
    }
}
