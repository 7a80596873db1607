package dev.mmsearch.inference.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.inference.bundle.ModelManifest;
import dev.mmsearch.inference.bundle.TextSide;
import dev.mmsearch.inference.clip.ClipFixtures.EvalImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The Chinese text tower {@code fixtures/models/tiny-clip-zh}, distilled into tiny-clip's text space, as an
 * {@link AlignedTextEncoder}: it carries tiny-clip's stamp only next to that exact tiny-clip, matches PyTorch,
 * and Chinese queries find tiny-clip image vectors of the right class.
 */
class AlignedTextEncoderTest {

    private static final Logger LOG = LoggerFactory.getLogger(AlignedTextEncoderTest.class);
    private static final String ZH = "tiny-clip-zh";

    private static final Map<String, String> SHAPES_ZH = Map.of("circle", "圆形", "square", "正方形",
            "triangle", "三角形", "star", "星形", "cross", "十字形");
    private static final Map<String, String> COLOURS_ZH = Map.of("red", "红色", "green", "绿色", "blue", "蓝色",
            "yellow", "黄色", "orange", "橙色", "purple", "紫色", "white", "白色", "black", "黑色");

    static Path tinyClipZh() {
        return ClipFixtures.fixtures().resolve("models").resolve(ZH);
    }

    /** A copy of tiny-clip-zh whose manifest has {@code manifestEdit} applied to its text. */
    private static Path copyWithManifest(Path dir, java.util.function.UnaryOperator<String> manifestEdit)
            throws IOException {
        Path copy = dir.resolve("zh-copy");
        Files.createDirectories(copy);
        for (String name : List.of("model.onnx", "tokenizer.json")) {
            Files.copy(tinyClipZh().resolve(name), copy.resolve(name));
        }
        String manifest = Files.readString(tinyClipZh().resolve(ModelManifest.FILE_NAME), StandardCharsets.UTF_8);
        Files.writeString(copy.resolve(ModelManifest.FILE_NAME), manifestEdit.apply(manifest), StandardCharsets.UTF_8);
        return copy;
    }

    private static String committedChecksum() {
        JsonNode manifest = dev.mmsearch.core.Json.MAPPER.readTree(tinyClipZh().resolve(ModelManifest.FILE_NAME).toFile());
        return manifest.get("alignedTo").get("checksum").asString();
    }

    @Test
    void reportsTinyClipStampWhenThatExactModelIsRegistered(@TempDir Path cache) {
        try (ModelRegistry registry = new ModelRegistry(cache, ClipFixtures.OPTIONS)) {
            // Registered before its CLIP model: the check happens when the encoder is first asked for.
            assertThat(registry.register(tinyClipZh())).isEqualTo(ZH);
            String clip = registry.register(ClipFixtures.tinyClip());
            assertThat(registry.manifest(ZH).kind()).isEqualTo(ModelManifest.Kind.ALIGNED_TEXT_ENCODER);
            assertThat(registry.alignment(ZH)).contains(new ClipAlignment(clip, committedChecksum()));

            TextEncoder zh = registry.textEncoder(ZH);
            ModelStamp clipStamp = registry.imageEncoder(clip).stamp();
            assertThat(zh).isInstanceOf(AlignedTextEncoder.class);
            assertThat(zh.stamp()).isEqualTo(clipStamp).isEqualTo(registry.textEncoder(clip).stamp());
            assertThat(zh.stamp().checksum()).isEqualTo(committedChecksum());
            ModelStamp.requireCompatible("photos", clipStamp, zh.stamp()); // would throw MODEL_MISMATCH
            assertThat(registry.textEncoder(ZH)).isSameAs(zh);
            // The bare sentence encoder keeps its own identity: it is not tiny-clip.
            assertThat(registry.onnxTextEncoder(ZH).stamp().modelId()).isEqualTo(ZH);
            assertThat(registry.onnxTextEncoder(ZH).stamp()).isNotEqualTo(clipStamp);

            assertThat(zh.encodeQuery("一个红色的圆形")).hasSize(64);
            assertThatThrownBy(() -> registry.imageEncoder(ZH)).isInstanceOf(MmsearchException.class)
                    .hasMessageContaining("aligned to CLIP model 'tiny-clip'")
                    .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND));
        }
    }

    @Test
    void refusedWhenItsClipModelIsNotRegistered(@TempDir Path cache) {
        try (ModelRegistry registry = new ModelRegistry(cache, ClipFixtures.OPTIONS)) {
            registry.register(tinyClipZh());
            assertThatThrownBy(() -> registry.textEncoder(ZH)).isInstanceOf(MmsearchException.class)
                    .hasMessageContaining("aligned to CLIP model tiny-clip (sha256:" + committedChecksum().substring(0, 12))
                    .hasMessageContaining("not registered")
                    .hasMessageContaining("register that CLIP model's directory")
                    .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND));
            assertThat(registry.isLoaded(ZH)).isFalse();
        }
    }

    @Test
    void refusedWhenTheRegisteredClipModelHasAnotherChecksum(@TempDir Path dir) throws IOException {
        String other = "0".repeat(64);
        Path copy = copyWithManifest(dir, m -> m.replace(committedChecksum(), other));
        try (ModelRegistry registry = new ModelRegistry(dir.resolve("cache"), ClipFixtures.OPTIONS)) {
            registry.register(copy);
            registry.register(ClipFixtures.tinyClip());
            assertThatThrownBy(() -> registry.textEncoder(ZH)).isInstanceOf(MmsearchException.class)
                    .hasMessageContaining("tiny-clip (sha256:000000000000)")
                    .hasMessageContaining("registered CLIP model is tiny-clip (sha256:" + committedChecksum().substring(0, 12))
                    .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.MODEL_MISMATCH));
        }
    }

    @Test
    void refusedWhenItsClipIdIsATextOnlyModel(@TempDir Path dir) throws IOException {
        Path copy = copyWithManifest(dir, m -> m.replace("\"id\": \"tiny-clip\"", "\"id\": \"bge-small-en-v1.5\""));
        try (ModelRegistry registry = new ModelRegistry(dir.resolve("cache"), ClipFixtures.OPTIONS)) {
            registry.register(copy);
            assertThatThrownBy(() -> registry.textEncoder(ZH)).isInstanceOf(MmsearchException.class)
                    .hasMessageContaining("aligned to CLIP model bge-small-en-v1.5")
                    .hasMessageContaining("not registered as a CLIP model");
        }
    }

    @Test
    void manifestWithoutOrWithMalformedAlignmentIsRefusedAtRegistration(@TempDir Path dir) throws IOException {
        Path missing = copyWithManifest(dir, m -> m.replaceAll("(?s)\"alignedTo\": \\{[^}]*},", ""));
        Path badChecksum = dir.resolve("bad");
        Files.createDirectories(badChecksum);
        for (String name : List.of("model.onnx", "tokenizer.json")) {
            Files.copy(missing.resolve(name), badChecksum.resolve(name));
        }
        Files.writeString(badChecksum.resolve(ModelManifest.FILE_NAME),
                Files.readString(tinyClipZh().resolve(ModelManifest.FILE_NAME)).replace(committedChecksum(), "abc123"));
        try (ModelRegistry registry = new ModelRegistry(dir.resolve("cache"), ClipFixtures.OPTIONS)) {
            assertThatThrownBy(() -> registry.register(missing)).isInstanceOf(MmsearchException.class)
                    .hasMessageContaining("kind aligned_text_encoder needs \"alignedTo\"")
                    .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
            assertThatThrownBy(() -> registry.register(badChecksum)).isInstanceOf(MmsearchException.class)
                    .hasMessageContaining("must be a SHA-256 in hex (64 digits), got 'abc123'")
                    .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
            assertThat(registry.modelIds()).doesNotContain(ZH);
        }
    }

    @Test
    void matchesPyTorchOnTheReferenceTexts(@TempDir Path cache) {
        JsonNode reference = dev.mmsearch.core.Json.MAPPER.readTree(tinyClipZh().resolve("reference.json").toFile());
        try (ModelRegistry registry = new ModelRegistry(cache, ClipFixtures.OPTIONS)) {
            registry.register(ClipFixtures.tinyClip());
            registry.register(tinyClipZh());
            AlignedTextEncoder zh = registry.alignedTextEncoder(ZH);
            List<String> texts = new ArrayList<>();
            reference.get("texts").forEach(t -> texts.add(t.get("text").asString()));
            assertThat(texts).hasSizeGreaterThanOrEqualTo(5).contains("");
            float[][] vectors = zh.encodeQueries(texts); // one padded batch, as in PyTorch
            double worst = 1;
            for (int i = 0; i < texts.size(); i++) {
                JsonNode entry = reference.get("texts").get(i);
                // DJL + bge-small-zh tokenizer.json give the ids the Python side looked up (one per CJK character).
                assertThat(zh.encoder().tokenize(texts.get(i), TextSide.QUERY).ids()).as(texts.get(i))
                        .containsExactly(ClipFixtures.longs(entry.get("input_ids")));
                float[] expected = ClipFixtures.normalized(ClipFixtures.floats(entry.get("sentence_embedding")));
                double cosine = ClipFixtures.cosine(expected, vectors[i]);
                worst = Math.min(worst, cosine);
                assertThat(cosine).as(texts.get(i)).isGreaterThanOrEqualTo(0.9999);
                assertThat(ClipFixtures.maxAbsDiff(expected, vectors[i])).as(texts.get(i)).isLessThan(1e-4);
                assertThat(ClipFixtures.dot(vectors[i], vectors[i])).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            }
            assertThat(zh.encoder().tokenize(texts.getLast(), TextSide.QUERY).truncated()).isTrue();
            LOG.info("tiny-clip-zh java-vs-pytorch texts={} worstCosine={}", texts.size(), worst);
        }
    }

    @Test
    void chineseQueriesFindTinyClipImagesOfTheirClass(@TempDir Path cache) {
        try (ModelRegistry registry = new ModelRegistry(cache, ClipFixtures.OPTIONS)) {
            registry.register(ClipFixtures.tinyClip());
            registry.register(tinyClipZh());
            List<EvalImage> images = ClipFixtures.evalImages();
            float[][] imageVectors = registry.imageEncoder("tiny-clip")
                    .encodeImages(images.stream().map(EvalImage::bytes).toList());
            TextEncoder zh = registry.textEncoder(ZH);
            List<String[]> classes = images.stream().map(i -> new String[] {i.shape(), i.colour()})
                    .filter(distinctBy()).toList();
            assertThat(classes).hasSize(40);
            double trained = meanPrecisionAt5(zh, classes, images, imageVectors, "一个%s的%s");
            double heldOut = meanPrecisionAt5(zh, classes, images, imageVectors, "%s的%s"); // template never trained on
            LOG.info("tiny-clip-zh chinese->image queries={} images={} meanP@5={} heldOutTemplateMeanP@5={}",
                    classes.size(), images.size(), trained, heldOut);
            // Chance is 6/240 = 0.025. Measured when written: see fixtures/models/tiny-clip-zh/last-run.json.
            assertThat(trained).isGreaterThanOrEqualTo(0.85);
            assertThat(heldOut).isGreaterThanOrEqualTo(0.8);
        }
    }

    private static java.util.function.Predicate<String[]> distinctBy() {
        java.util.Set<String> seen = new java.util.HashSet<>();
        return c -> seen.add(c[0] + "/" + c[1]);
    }

    private static double meanPrecisionAt5(TextEncoder encoder, List<String[]> classes, List<EvalImage> images,
                                           float[][] imageVectors, String template) {
        float[][] queries = encoder.encodeQueries(classes.stream()
                .map(c -> template.formatted(COLOURS_ZH.get(c[1]), SHAPES_ZH.get(c[0]))).toList());
        double sum = 0;
        for (int q = 0; q < classes.size(); q++) {
            float[] query = queries[q];
            String[] cls = classes.get(q);
            sum += IntStream.range(0, imageVectors.length).boxed()
                    .sorted(Comparator.comparingDouble((Integer i) -> -ClipFixtures.dot(query, imageVectors[i])))
                    .limit(5)
                    .filter(i -> images.get(i).shape().equals(cls[0]) && images.get(i).colour().equals(cls[1]))
                    .count() / 5.0;
        }
        return sum / classes.size();
    }
}
