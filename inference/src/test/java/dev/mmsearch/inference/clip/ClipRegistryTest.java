package dev.mmsearch.inference.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.ImageEncoder;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.inference.bundle.ModelManifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A CLIP directory registered in the {@link ModelRegistry} serves text and image encoders of one space. */
class ClipRegistryTest {

    @Test
    void registersClipDirectoryAndServesBothTowers(@TempDir Path cache) {
        try (ModelRegistry registry = new ModelRegistry(cache, ClipFixtures.OPTIONS)) {
            String id = registry.register(ClipFixtures.tinyClip());
            assertThat(id).isEqualTo("tiny-clip");
            assertThat(registry.register(ClipFixtures.tinyClip())).isEqualTo(id); // idempotent
            assertThat(registry.modelIds()).contains(id);
            assertThat(registry.isClip(id)).isTrue();
            ModelManifest manifest = registry.manifest(id);
            assertThat(manifest.kind()).isEqualTo(ModelManifest.Kind.CLIP);
            assertThat(manifest.maxSequenceLength()).isEqualTo(77);
            assertThat(registry.isLoaded(id)).isFalse();

            ImageEncoder images = registry.imageEncoder(id);
            TextEncoder texts = registry.textEncoder(id);
            assertThat(registry.isLoaded(id)).isTrue();
            assertThat(images.stamp()).isEqualTo(texts.stamp());
            assertThat(images.dimension()).isEqualTo(64);
            assertThat(registry.manifest(id).dimension()).isEqualTo(64);
            assertThat(registry.imageEncoder(id)).isSameAs(images);
            assertThat(registry.clipModel(id).textEncoder()).isSameAs(texts);

            // Text and image vectors share a space: a caption is closest to its own image.
            List<ClipFixtures.EvalImage> eval = ClipFixtures.evalImages();
            ClipFixtures.EvalImage red = eval.stream().filter(i -> i.label().equals("red circle")).findFirst().orElseThrow();
            ClipFixtures.EvalImage blue = eval.stream().filter(i -> i.label().equals("blue square")).findFirst().orElseThrow();
            float[][] v = images.encodeImages(List.of(red.bytes(), blue.bytes()));
            float[] query = texts.encodeQuery("a red circle");
            assertThat(ClipFixtures.dot(query, v[0])).isGreaterThan(ClipFixtures.dot(query, v[1]));

            assertThatThrownBy(() -> registry.onnxTextEncoder(id))
                    .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND))
                    .hasMessageContaining("CLIP");
        }
    }

    @Test
    void textOnlyAndUnknownModelsHaveNoImageEncoder(@TempDir Path cache) {
        try (ModelRegistry registry = new ModelRegistry(cache, ClipFixtures.OPTIONS)) {
            assertThatThrownBy(() -> registry.imageEncoder(ModelRegistry.DEFAULT_MODEL))
                    .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND))
                    .hasMessageContaining("text-only").hasMessageContaining("CLIP");
            assertThatThrownBy(() -> registry.imageEncoder("no-such-clip"))
                    .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND))
                    .hasMessageContaining("unknown model 'no-such-clip'");
            assertThat(registry.isClip(ModelRegistry.DEFAULT_MODEL)).isFalse();
        }
    }

    @Test
    void closingTheRegistryClosesClipModels(@TempDir Path cache) {
        ModelRegistry registry = new ModelRegistry(cache, ClipFixtures.OPTIONS);
        String id = registry.register(ClipFixtures.tinyClip());
        ClipModel model = registry.clipModel(id);
        registry.close();
        assertThat(model.isClosed()).isTrue();
        assertThatThrownBy(() -> registry.imageEncoder(id))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY));
    }

    @Test
    void oneIdNamesOneModelOfEitherKindInRegistrationOrder(@TempDir Path temp) throws IOException {
        Path zh = ClipFixtures.fixtures().resolve("models").resolve("tiny-clip-zh");
        try (ModelRegistry registry = new ModelRegistry(temp.resolve("cache"), ClipFixtures.OPTIONS)) {
            String clip = registry.register(ClipFixtures.tinyClip());
            String text = registry.register(zh);
            assertThat(registry.modelIds()).as("registration order across kinds").endsWith(clip, text);

            Path textAsClipId = copy(zh, temp.resolve("text-as-clip-id"), m -> m
                    .replace("\"id\": \"tiny-clip-zh\"", "\"id\": \"tiny-clip\"")
                    .replace("aligned_text_encoder", "text_encoder"), "model.onnx", "tokenizer.json");
            assertThatThrownBy(() -> registry.register(textAsClipId))
                    .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                    .hasMessageContaining("already registered for the CLIP model in " + ClipFixtures.tinyClip());

            Path clipAsTextId = copy(ClipFixtures.tinyClip(), temp.resolve("clip-as-text-id"),
                    m -> m.replace("\"id\": \"tiny-clip\"", "\"id\": \"tiny-clip-zh\""), CLIP_FILES);
            assertThatThrownBy(() -> registry.register(clipAsTextId))
                    .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                    .hasMessageContaining("already registered for " + zh.resolve("model.onnx"));

            Path clipAsBuiltinId = copy(ClipFixtures.tinyClip(), temp.resolve("clip-as-builtin-id"),
                    m -> m.replace("\"id\": \"tiny-clip\"", "\"id\": \"" + ModelRegistry.DEFAULT_MODEL + "\""),
                    CLIP_FILES);
            assertThatThrownBy(() -> registry.register(clipAsBuiltinId))
                    .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                    .hasMessageContaining("is a built-in model's id");
            assertThat(registry.modelIds()).endsWith(clip, text);
            assertThat(registry.isLoaded(text)).isFalse();
            assertThat(registry.isLoaded(clip)).isFalse();
        }
    }

    private static final String[] CLIP_FILES = {"text_model.onnx", "vision_model.onnx", "tokenizer.json",
        "preprocessor_config.json"};

    /** Copies {@code files} of {@code source}, and its manifest edited by {@code edit} (which must change it). */
    private static Path copy(Path source, Path target, UnaryOperator<String> edit, String... files) throws IOException {
        Files.createDirectories(target);
        for (String name : files) {
            Files.copy(source.resolve(name), target.resolve(name));
        }
        String manifest = Files.readString(source.resolve(ModelManifest.FILE_NAME), StandardCharsets.UTF_8);
        String edited = edit.apply(manifest);
        assertThat(edited).isNotEqualTo(manifest);
        Files.writeString(target.resolve(ModelManifest.FILE_NAME), edited, StandardCharsets.UTF_8);
        return target;
    }
}
