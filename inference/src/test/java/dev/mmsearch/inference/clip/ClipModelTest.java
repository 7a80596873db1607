package dev.mmsearch.inference.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.VectorSimilarity;
import dev.mmsearch.inference.bundle.Checksums;
import dev.mmsearch.inference.bundle.ClipBundle;
import dev.mmsearch.inference.bundle.ModelBundle;
import dev.mmsearch.inference.bundle.TextBundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The tiny CLIP fixture through ONNX Runtime Java against the PyTorch outputs it was exported from,
 * both ONNX layouts (separate towers and one combined file), and bad input.
 */
class ClipModelTest {

    private static final Logger LOG = LoggerFactory.getLogger(ClipModelTest.class);

    private static ClipModel model;

    @BeforeAll
    static void open() {
        model = ClipModel.open(ClipBundle.load(ClipFixtures.tinyClip()), ClipFixtures.OPTIONS);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void readsDimensionFromTheModelAndStampsBothTowersAlike() {
        assertThat(model.bundle().combined()).isFalse();
        assertThat(model.dimension()).isEqualTo(64);
        assertThat(model.imageSize()).containsExactly(64, 64);
        assertThat(model.maxSequenceLength()).isEqualTo(77);
        assertThat(model.stamp().modelId()).isEqualTo("tiny-clip");
        assertThat(model.stamp().metric()).isEqualTo(VectorSimilarity.COSINE);
        assertThat(model.stamp().checksum()).isEqualTo(Checksums.sha256(List.of(
                ClipFixtures.tinyClip().resolve("text_model.onnx"), ClipFixtures.tinyClip().resolve("vision_model.onnx"))));
        assertThat(model.textEncoder().stamp()).isEqualTo(model.imageEncoder().stamp()).isEqualTo(model.stamp());
        assertThat(model.textEncoder().dimension()).isEqualTo(64);
        assertThat(model.imageEncoder().dimension()).isEqualTo(64);
    }

    @Test
    void textEmbeddingsMatchPyTorch() {
        JsonNode texts = ClipFixtures.reference().get("texts");
        List<String> captions = new ArrayList<>();
        texts.forEach(t -> captions.add(t.get("text").asString()));
        float[][] batched = model.encodeTexts(captions); // one padded batch, like the reference
        double worstCosine = 1;
        double worstDiff = 0;
        for (int i = 0; i < captions.size(); i++) {
            float[] expected = ClipFixtures.normalized(ClipFixtures.floats(texts.get(i).get("text_embeds")));
            float[] single = model.encodeTexts(List.of(captions.get(i)))[0]; // unpadded
            assertThat(Math.sqrt(ClipFixtures.dot(batched[i], batched[i]))).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            for (float[] actual : List.of(batched[i], single)) {
                worstCosine = Math.min(worstCosine, ClipFixtures.cosine(actual, expected));
                worstDiff = Math.max(worstDiff, ClipFixtures.maxAbsDiff(actual, expected));
            }
        }
        LOG.info("tiny-clip text parity texts={} minCosine={} maxAbsDiff={}", captions.size(), worstCosine, worstDiff);
        assertThat(worstCosine).isGreaterThanOrEqualTo(0.9999);
        assertThat(worstDiff).isLessThan(1e-4);
    }

    @Test
    void imageEmbeddingsMatchPyTorch() {
        JsonNode images = ClipFixtures.reference().get("images");
        assertThat(images.size()).isEqualTo(6);
        List<byte[]> files = new ArrayList<>();
        images.forEach(i -> files.add(ClipFixtures.read(ClipFixtures.tinyClip().resolve(i.get("file").asString()))));
        float[][] actual = model.encodeImages(files);
        double worstCosine = 1;
        double worstDiff = 0;
        for (int i = 0; i < actual.length; i++) {
            float[] expected = ClipFixtures.normalized(ClipFixtures.floats(images.get(i).get("image_embeds")));
            worstCosine = Math.min(worstCosine, ClipFixtures.cosine(actual[i], expected));
            worstDiff = Math.max(worstDiff, ClipFixtures.maxAbsDiff(actual[i], expected));
            assertThat(model.imageEncoder().encodeImage(files.get(i))).containsExactly(actual[i],
                    org.assertj.core.data.Offset.offset(1e-6f));
        }
        LOG.info("tiny-clip image parity images={} minCosine={} maxAbsDiff={}", actual.length, worstCosine, worstDiff);
        assertThat(worstCosine).isGreaterThanOrEqualTo(0.9999);
        assertThat(worstDiff).isLessThan(1e-4);
    }

    @Test
    void combinedLayoutGivesTheSameVectors(@TempDir Path dir) throws IOException {
        Path source = ClipFixtures.tinyClip();
        for (String name : List.of("tokenizer.json", "preprocessor_config.json", "config.json")) {
            Files.copy(source.resolve(name), dir.resolve(name));
        }
        Files.createDirectories(dir.resolve("onnx"));
        Files.copy(source.resolve("combined").resolve("model.onnx"), dir.resolve("onnx").resolve("model.onnx"));
        assertThat(ClipBundle.isClip(dir)).isTrue();
        ClipBundle bundle = ClipBundle.load(dir);
        assertThat(bundle.combined()).isTrue();
        assertThat(bundle.onnxFiles()).containsExactly(dir.resolve("onnx").resolve("model.onnx").toAbsolutePath());
        try (ClipModel combined = ClipModel.open(bundle, ClipFixtures.OPTIONS)) {
            assertThat(combined.dimension()).isEqualTo(64);
            assertThat(combined.stamp().checksum()).isNotEqualTo(model.stamp().checksum());
            List<String> texts = List.of("a red circle", "a small blue star on a yellow background", "a cross");
            float[][] expectedText = model.encodeTexts(texts);
            float[][] actualText = combined.encodeTexts(texts);
            List<byte[]> images = ClipFixtures.evalImages().subList(0, 5).stream().map(ClipFixtures.EvalImage::bytes).toList();
            float[][] expectedImages = model.encodeImages(images);
            float[][] actualImages = combined.encodeImages(images);
            for (int i = 0; i < texts.size(); i++) {
                assertThat(ClipFixtures.maxAbsDiff(actualText[i], expectedText[i])).isLessThan(1e-5);
            }
            for (int i = 0; i < images.size(); i++) {
                assertThat(ClipFixtures.maxAbsDiff(actualImages[i], expectedImages[i])).isLessThan(1e-5);
            }
        }
    }

    @Test
    void xenovaLayoutWithQuantizedTowersLoadsAsVariant(@TempDir Path dir) throws IOException {
        Path source = ClipFixtures.tinyClip();
        for (String name : List.of("tokenizer.json", "tokenizer_config.json", "preprocessor_config.json", "config.json",
                "mmsearch-model.json")) {
            Files.copy(source.resolve(name), dir.resolve(name));
        }
        Files.createDirectories(dir.resolve("onnx"));
        // Stand-ins for int8 files: the loader only cares about the names.
        Files.copy(source.resolve("text_model.onnx"), dir.resolve("onnx").resolve("text_model_quantized.onnx"));
        Files.copy(source.resolve("vision_model.onnx"), dir.resolve("onnx").resolve("vision_model_quantized.onnx"));
        assertThat(ClipBundle.isClip(dir)).isTrue();
        ClipBundle quantized = ClipBundle.load(dir, ModelBundle.Variant.QUANTIZED);
        assertThat(quantized.id()).isEqualTo("tiny-clip-q");
        assertThat(quantized.maxSequenceLength()).isEqualTo(77);
        assertThat(quantized.onnxFiles()).containsExactly(dir.resolve("onnx/text_model_quantized.onnx").toAbsolutePath(),
                dir.resolve("onnx/vision_model_quantized.onnx").toAbsolutePath());
        // config.json says CLIP, but there is no full-precision file: the message says what is missing.
        assertThatThrownBy(() -> ClipBundle.load(dir))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND))
                .hasMessageContaining("text_model.onnx");
        try (ClipModel q = ClipModel.open(quantized, ClipFixtures.OPTIONS)) {
            assertThat(q.stamp().modelId()).isEqualTo("tiny-clip-q");
            assertThat(q.stamp().checksum()).isEqualTo(model.stamp().checksum());
            assertThat(q.encodeTexts(List.of("a red circle"))[0])
                    .containsExactly(model.encodeTexts(List.of("a red circle"))[0], org.assertj.core.data.Offset.offset(1e-6f));
        }
    }

    @Test
    void splitsLongListsIntoBatchesWithoutChangingVectors() {
        try (ClipModel small = ClipModel.open(ClipBundle.load(ClipFixtures.tinyClip()),
                ClipFixtures.OPTIONS.withMaxBatchSize(3))) {
            List<String> texts = List.of("a red circle", "a green square", "a blue triangle on a white background",
                    "a star", "a photo of a black cross", "a large orange circle", "a purple star");
            float[][] one = model.encodeTexts(texts);
            float[][] split = small.encodeTexts(texts);
            List<byte[]> images = ClipFixtures.evalImages().subList(0, 7).stream().map(ClipFixtures.EvalImage::bytes).toList();
            float[][] imagesOne = model.encodeImages(images);
            float[][] imagesSplit = small.encodeImages(images);
            for (int i = 0; i < texts.size(); i++) {
                assertThat(ClipFixtures.maxAbsDiff(one[i], split[i])).isLessThan(1e-5);
                assertThat(ClipFixtures.maxAbsDiff(imagesOne[i], imagesSplit[i])).isLessThan(1e-5);
            }
        }
    }

    @Test
    void longTextIsTruncatedNotRefused() {
        String text = String.join(" ", java.util.Collections.nCopies(200, "red"));
        assertThat(model.textEncoder().countTokens(text)).isEqualTo(77);
        float[] vector = model.textEncoder().encodeQuery(text);
        assertThat(vector).hasSize(64);
        assertThat(model.textEncoder().encodeDocuments(List.of(text))[0]).containsExactly(vector,
                org.assertj.core.data.Offset.offset(1e-6f));
    }

    @Test
    void corruptImageBytesAreUnsupportedMediaType() {
        byte[] good = ClipFixtures.evalImages().get(0).bytes();
        byte[] truncated = Arrays.copyOf(good, good.length / 3);
        byte[] text = "this is not an image".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (byte[] bad : List.of(text, truncated, new byte[0])) {
            assertThatThrownBy(() -> model.imageEncoder().encodeImages(List.of(good, bad)))
                    .isInstanceOfSatisfying(MmsearchException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_MEDIA_TYPE))
                    .hasMessageContaining("image 1");
        }
        assertThatThrownBy(() -> model.imageEncoder().encodeImages(null))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT));
        assertThatThrownBy(() -> model.imageEncoder().encodeImages(Arrays.asList(good, null)))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT));
        assertThatThrownBy(() -> model.textEncoder().encodeQuery(null))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT));
        assertThat(model.encodeImages(List.of())).isEmpty();
        assertThat(model.encodeTexts(List.of())).isEmpty();
        // The model still works after refusing bad input.
        assertThat(model.imageEncoder().encodeImage(good)).hasSize(64);
    }

    @Test
    void imageOverThePixelLimitIsPayloadTooLarge() {
        byte[] good = ClipFixtures.evalImages().get(0).bytes(); // 80 x 80
        try (ClipModel strict = ClipModel.open(ClipBundle.load(ClipFixtures.tinyClip()), ClipFixtures.OPTIONS,
                new dev.mmsearch.image.ImageLimits(1 << 20, 80 * 80 - 1))) {
            assertThatThrownBy(() -> strict.imageEncoder().encodeImage(good))
                    .isInstanceOfSatisfying(MmsearchException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE));
        }
    }

    @Test
    void nonClipDirectoryIsRefusedWithAClearMessage(@TempDir Path dir) throws IOException {
        // A sentence-encoder layout: model.onnx + tokenizer.json, no CLIP towers or config.
        Files.copy(ClipFixtures.tinyClip().resolve("vision_model.onnx"), dir.resolve("model.onnx"));
        Files.copy(ClipFixtures.tinyClip().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        assertThat(ClipBundle.isClip(dir)).isFalse();
        assertThatThrownBy(() -> ClipBundle.load(dir))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND))
                .hasMessageContaining("is not a CLIP export").hasMessageContaining("text_model.onnx");
        assertThatThrownBy(() -> ClipBundle.load(dir.resolve("missing")))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND))
                .hasMessageContaining("does not exist");
    }

    @Test
    void clipDirectoryWithAMissingPartNamesIt(@TempDir Path dir) throws IOException {
        Files.copy(ClipFixtures.tinyClip().resolve("text_model.onnx"), dir.resolve("text_model.onnx"));
        Files.copy(ClipFixtures.tinyClip().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        assertThat(ClipBundle.isClip(dir)).isTrue();
        assertThatThrownBy(() -> ClipBundle.load(dir)).hasMessageContaining("missing file vision_model.onnx");
        Files.copy(ClipFixtures.tinyClip().resolve("vision_model.onnx"), dir.resolve("vision_model.onnx"));
        assertThatThrownBy(() -> ClipBundle.load(dir)).hasMessageContaining("missing file preprocessor_config.json");
        // The sentence-encoder loader points at the CLIP loader instead of failing on a missing model.onnx.
        assertThatThrownBy(() -> TextBundle.load(dir))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("CLIP");
    }

    @Test
    void towersThatAreNotClipAreRefused(@TempDir Path dir) throws IOException {
        Path source = ClipFixtures.tinyClip();
        for (String name : List.of("tokenizer.json", "preprocessor_config.json")) {
            Files.copy(source.resolve(name), dir.resolve(name));
        }
        // Swapped towers: the "text" file has no input_ids.
        Files.copy(source.resolve("vision_model.onnx"), dir.resolve("text_model.onnx"));
        Files.copy(source.resolve("text_model.onnx"), dir.resolve("vision_model.onnx"));
        assertThatThrownBy(() -> ClipModel.open(ClipBundle.load(dir), ClipFixtures.OPTIONS))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("has no input 'input_ids'");
    }

    @Test
    void closedModelSaysSo() {
        ClipModel other = ClipModel.open(ClipFixtures.tinyClip(), ClipFixtures.OPTIONS);
        ClipImageEncoder images = other.imageEncoder();
        other.textEncoder().close();
        assertThat(other.isClosed()).isTrue();
        assertThatThrownBy(() -> images.encodeImage(ClipFixtures.evalImages().get(0).bytes()))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY));
        other.close(); // idempotent
    }
}
