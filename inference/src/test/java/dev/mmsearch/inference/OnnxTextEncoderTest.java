package dev.mmsearch.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.VectorSimilarity;
import dev.mmsearch.inference.bundle.TextSide;
import dev.mmsearch.inference.onnx.EncoderOptions;
import dev.mmsearch.inference.onnx.OnnxTextEncoder;
import dev.mmsearch.inference.onnx.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Truncation, batching, padding, bad input, concurrency and lifecycle of the encoder (bge-small-en-v1.5 fp32). */
class OnnxTextEncoderTest {

    /** Words that are one WordPiece token each in the bge/BERT uncased vocabulary. */
    private static final List<String> WORDS = List.of("river", "stone", "light", "music", "garden", "window",
            "winter", "doctor", "market", "forest", "engine", "school", "bridge", "summer", "letter", "island");

    private static OnnxTextEncoder encoder;

    @BeforeAll
    static void load() {
        encoder = TestModels.encoder("bge-small-en-v1.5");
    }

    private static String words(int count, int offset) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                text.append(' ');
            }
            text.append(WORDS.get((i + offset) % WORDS.size()));
        }
        return text.toString();
    }

    @Test
    void stampNamesModelChecksumDimensionAndCosine() {
        assertThat(encoder.stamp().modelId()).isEqualTo("bge-small-en-v1.5");
        assertThat(encoder.stamp().checksum()).matches("[0-9a-f]{64}");
        assertThat(encoder.stamp().dimension()).isEqualTo(384);
        assertThat(encoder.stamp().metric()).isEqualTo(VectorSimilarity.COSINE);
        assertThat(encoder.maxSequenceLength()).isEqualTo(512);
    }

    @Test
    void aTwentyThousandWordQueryIsTruncatedToItsFirstTokens() {
        String huge = words(20_000, 0);
        assertThat(huge.length()).isGreaterThan(100_000);
        TextTokenizer.TokenizedText tokens = encoder.tokenize(huge, TextSide.QUERY);
        assertThat(tokens.length()).isEqualTo(512);
        assertThat(tokens.truncated()).isTrue();
        assertThat(tokens.tokens().get(511)).isEqualTo("[SEP]");
        assertThat(encoder.countTokens(huge, TextSide.QUERY)).isEqualTo(512);
        assertThat(encoder.countTokens(huge)).isLessThanOrEqualTo(encoder.maxSequenceLength());

        // 512 = [CLS] + 8 prefix tokens + 502 words + [SEP]
        int prefixTokens = encoder.tokenize("", TextSide.QUERY).length() - 2;
        assertThat(prefixTokens).isEqualTo(8);
        String head = words(512 - 2 - prefixTokens, 0);
        assertThat(encoder.tokenize(head, TextSide.QUERY).ids()).containsExactly(tokens.ids());
        assertThat(encoder.tokenize(head, TextSide.QUERY).truncated()).isFalse();

        float[] hugeVector = encoder.encodeQuery(huge);
        float[] headVector = encoder.encodeQuery(head);
        assertThat(TestModels.cosine(hugeVector, headVector)).isGreaterThanOrEqualTo(0.99999);
        assertThat(TestModels.norm(hugeVector)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
    }

    @Test
    void countTokensCountsTheDocumentSideWithSpecialTokens() {
        assertThat(encoder.countTokens("")).isEqualTo(2);
        assertThat(encoder.countTokens(words(10, 3))).isEqualTo(12);
        assertThat(encoder.countTokens(words(10, 3), TextSide.QUERY)).isEqualTo(20);
    }

    @Test
    void oneBatchEqualsOneByOneAndPaddingChangesNothing() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 40; i++) { // > the batch size of 32, so the list is sorted by length and split
            texts.add(words(1 + (i * 37) % 90, i));
        }
        texts.set(7, "");
        float[][] batched = encoder.encodeDocuments(texts);
        assertThat(batched).hasNumberOfRows(40);
        for (int i = 0; i < texts.size(); i++) {
            float[] single = encoder.encodeDocuments(List.of(texts.get(i)))[0];
            assertThat(TestModels.cosine(batched[i], single)).as("text #%d", i).isGreaterThanOrEqualTo(0.99999);
        }
        // a short text padded next to a 500-token one gives the same vector as alone
        float[][] padded = encoder.encodeDocuments(List.of("a short sentence", words(500, 0)));
        float[] alone = encoder.encodeDocuments(List.of("a short sentence"))[0];
        assertThat(TestModels.cosine(padded[0], alone)).isGreaterThanOrEqualTo(0.99999);
    }

    @Test
    void smallBatchSizeSplitsInputsWithoutChangingVectors() {
        List<String> texts = List.of("first text", words(30, 1), "", words(3, 5), "the fifth one", words(60, 2), "7");
        float[][] reference = encoder.encodeDocuments(texts);
        try (OnnxTextEncoder small = OnnxTextEncoder.open(TestModels.bundle("bge-small-en-v1.5"),
                new EncoderOptions(1, 3))) {
            assertThat(small.stamp()).isEqualTo(encoder.stamp());
            float[][] split = small.encodeDocuments(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertThat(TestModels.cosine(split[i], reference[i])).as("text #%d", i).isGreaterThanOrEqualTo(0.99999);
            }
        }
    }

    @Test
    void emptyStringEmbedsTheSpecialTokensOnly() {
        assertThat(encoder.tokenize("", TextSide.DOCUMENT).tokens()).containsExactly("[CLS]", "[SEP]");
        float[] vector = encoder.encodeDocuments(List.of(""))[0];
        assertThat(vector).hasSize(384);
        assertThat(TestModels.norm(vector)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(encoder.encodeDocuments(List.of())).isEmpty();
    }

    @Test
    void nullInputIsRefusedWithInvalidInput() {
        assertThatThrownBy(() -> encoder.encodeQuery(null))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT));
        assertThatThrownBy(() -> encoder.encodeDocuments(Arrays.asList("fine", null)))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                    assertThat(e.getMessage()).contains("#1");
                });
        assertThatThrownBy(() -> encoder.encodeDocuments(null))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT));
        assertThatThrownBy(() -> encoder.countTokens((String) null))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT));
        assertThatThrownBy(() -> encoder.countTokens((java.util.List<String>) null))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT));
        assertThat(encoder.countTokens(java.util.List.of("a cat", "a photo of a cat")))
                .containsExactly(encoder.countTokens("a cat"), encoder.countTokens("a photo of a cat"));
    }

    @Test
    void concurrentCallersGetTheSameVectorsAsSequentialOnes() throws Exception {
        List<String> texts = List.of("how are vaccines tested", words(40, 4), "solar panels on the roof", words(7, 9));
        float[][] expected = encoder.encodeQueries(texts);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (int round = 0; round < 5; round++) {
                for (String text : texts) {
                    futures.add(pool.submit(() -> encoder.encodeQuery(text)));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(TestModels.cosine(futures.get(i).get(), expected[i % texts.size()]))
                        .isGreaterThanOrEqualTo(0.99999);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClosedEncoderRefusesWorkWithNotReady() {
        OnnxTextEncoder own = OnnxTextEncoder.open(TestModels.bundle("bge-small-en-v1.5-q"), new EncoderOptions(1, 8));
        assertThat(own.encodeQuery("hello")).hasSize(384);
        own.close();
        own.close(); // idempotent
        assertThatThrownBy(() -> own.encodeQuery("hello"))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY));
        assertThatThrownBy(() -> own.countTokens("hello"))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY));
    }

    @Test
    void quantizedModelIsCloseToFullPrecisionButNotIdentical() {
        OnnxTextEncoder quantized = TestModels.encoder("bge-small-en-v1.5-q");
        assertThat(quantized.stamp().checksum()).isNotEqualTo(encoder.stamp().checksum());
        String text = "The mitochondria is the powerhouse of the cell.";
        double cosine = TestModels.cosine(quantized.encodeQuery(text), encoder.encodeQuery(text));
        assertThat(cosine).isGreaterThan(0.95).isLessThan(0.99999);
    }
}
