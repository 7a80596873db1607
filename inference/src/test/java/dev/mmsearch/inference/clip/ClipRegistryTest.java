package dev.mmsearch.inference.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.ImageEncoder;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.inference.bundle.ModelManifest;
import java.nio.file.Path;
import java.util.List;
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
}
