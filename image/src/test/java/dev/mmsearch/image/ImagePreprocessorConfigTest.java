package dev.mmsearch.image;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImagePreprocessorConfigTest {
    /** openai/clip-vit-base-patch32 preprocessor_config.json (old style: ints for size and crop_size). */
    private static final String OPENAI = """
            {
              "crop_size": 224,
              "do_center_crop": true,
              "do_normalize": true,
              "do_resize": true,
              "feature_extractor_type": "CLIPFeatureExtractor",
              "image_mean": [0.48145466, 0.4578275, 0.40821073],
              "image_std": [0.26862954, 0.26130258, 0.27577711],
              "resample": 3,
              "size": 224
            }""";

    /** The newer dict style written by recent transformers / Xenova exports. */
    private static final String DICT_STYLE = """
            {
              "crop_size": {"height": 224, "width": 224},
              "do_center_crop": true,
              "do_convert_rgb": true,
              "do_normalize": true,
              "do_rescale": true,
              "do_resize": true,
              "image_mean": [0.48145466, 0.4578275, 0.40821073],
              "image_processor_type": "CLIPImageProcessor",
              "image_std": [0.26862954, 0.26130258, 0.27577711],
              "resample": 3,
              "rescale_factor": 0.00392156862745098,
              "size": {"shortest_edge": 224}
            }""";

    @Test
    void readsBothHuggingFaceStylesAsClipDefaults(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("preprocessor_config.json");
        Files.writeString(file, OPENAI);
        assertThat(ImagePreprocessorConfig.fromJson(file)).isEqualTo(ImagePreprocessorConfig.clipVitB32());
        assertThat(ImagePreprocessorConfig.fromJsonString(DICT_STYLE)).isEqualTo(ImagePreprocessorConfig.clipVitB32());
        assertThat(ImagePreprocessorConfig.fromJsonString("{}")).isEqualTo(ImagePreprocessorConfig.clipVitB32());
    }

    @Test
    void readsNonDefaultValues() {
        ImagePreprocessorConfig c = ImagePreprocessorConfig.fromJsonString("""
                {"size": {"height": 384, "width": 256}, "do_center_crop": false, "resample": 2,
                 "image_mean": [0.5, 0.5, 0.5], "image_std": 0.5, "rescale_factor": 0.5, "do_normalize": false}""");
        assertThat(c.shortestEdge()).isZero();
        assertThat(c.resizeHeight()).isEqualTo(384);
        assertThat(c.resizeWidth()).isEqualTo(256);
        assertThat(c.resample()).isEqualTo(Resample.BILINEAR);
        assertThat(c.doCenterCrop()).isFalse();
        assertThat(c.std()).containsExactly(0.5, 0.5, 0.5);
        assertThat(c.rescaleFactor()).isEqualTo(0.5);
        assertThat(c.doNormalize()).isFalse();
        ClipImagePreprocessor p = new ClipImagePreprocessor(c, ImageLimits.DEFAULTS);
        assertThat(p.height()).isEqualTo(384);
        assertThat(p.width()).isEqualTo(256);
    }

    @Test
    void rejectsInvalidConfigsWithClearMessages(@TempDir Path dir) {
        assertInvalid("{\"image_mean\": [0.5, 0.5]}", "image_mean");
        assertInvalid("{\"image_std\": [0.5, 0, 0.5]}", "image_std");
        assertInvalid("{\"resample\": 0}", "resample");
        assertInvalid("{\"size\": {\"longest_edge\": 224}}", "size");
        assertInvalid("{\"crop_size\": -3}", "crop_size");
        assertInvalid("{\"do_resize\": \"yes\"}", "do_resize");
        assertInvalid("[1, 2]", "JSON object");
        assertInvalid("{not json", "not valid JSON");
        assertThatThrownBy(() -> ImagePreprocessorConfig.fromJson(dir.resolve("missing.json")))
                .isInstanceOf(MmsearchException.class).hasMessageContaining("missing.json");
    }

    @Test
    void arraysAreCopied() {
        double[] mean = {0.1, 0.2, 0.3};
        ImagePreprocessorConfig c = new ImagePreprocessorConfig(true, 224, 0, 0, Resample.BICUBIC, true, 224, 224,
                true, 1 / 255.0, true, mean, ImagePreprocessorConfig.CLIP_STD, true);
        mean[0] = 9;
        c.mean()[1] = 9;
        assertThat(c.mean()).containsExactly(0.1, 0.2, 0.3);
    }

    @Test
    void limitsAreValidated() {
        assertThat(ImageLimits.defaults().maxBytes()).isEqualTo(20L * 1024 * 1024);
        assertThat(ImageLimits.defaults().maxPixels()).isEqualTo(50_000_000L);
        assertThatThrownBy(() -> new ImageLimits(0, 1)).isInstanceOf(MmsearchException.class);
        assertThatThrownBy(() -> new ImageLimits(1, -1)).isInstanceOf(MmsearchException.class);
    }

    private static void assertInvalid(String json, String fragment) {
        assertThatThrownBy(() -> ImagePreprocessorConfig.fromJsonString(json))
                .isInstanceOf(MmsearchException.class)
                .hasMessageContaining(fragment)
                .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
}
