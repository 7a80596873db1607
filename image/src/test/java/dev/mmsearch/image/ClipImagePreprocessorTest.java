package dev.mmsearch.image;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ClipImagePreprocessorTest {
    private final ClipImagePreprocessor clip = new ClipImagePreprocessor();

    private static byte[] fixture(String name) throws IOException {
        return Files.readAllBytes(TestPaths.fixtures().resolve("images").resolve(name));
    }

    @Test
    void uniformImageGivesTheNormalisedColourEverywhere() {
        int w = 301;
        int h = 199;
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < rgb.length; i += 3) {
            rgb[i] = (byte) 255;
            rgb[i + 1] = 0;
            rgb[i + 2] = (byte) 128;
        }
        float[] values = clip.pixelValues(DecodedImage.ofRgb(w, h, rgb));
        assertThat(values).hasSize(3 * 224 * 224);
        int[] levels = {255, 0, 128};
        for (int c = 0; c < 3; c++) {
            float expected = ((float) (levels[c] / 255.0) - (float) ImagePreprocessorConfig.CLIP_MEAN[c])
                    / (float) ImagePreprocessorConfig.CLIP_STD[c];
            for (int i = c * 224 * 224; i < (c + 1) * 224 * 224; i += 101) {
                // Pillow's fixed-point coefficients may move a flat colour by at most one level
                assertThat(values[i]).isCloseTo(expected, within(1.01f / 255 / 0.26f));
            }
        }
    }

    @Test
    void wideImageIsResizedOnItsShortSideAndCenterCropped() {
        // left half black, right half white, 1000x100: after resize 2240x224 the crop keeps the centre,
        // whose left 112 columns are black and right 112 columns white
        int w = 1000;
        int h = 100;
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            Arrays.fill(rgb, (y * w + w / 2) * 3, (y * w + w) * 3, (byte) 255);
        }
        DecodedImage cropped = clip.resizedAndCropped(DecodedImage.ofRgb(w, h, rgb));
        assertThat(cropped.width()).isEqualTo(224);
        assertThat(cropped.height()).isEqualTo(224);
        assertThat(cropped.rgbAt(50, 100)).isEqualTo(0x000000);
        assertThat(cropped.rgbAt(180, 100)).isEqualTo(0xFFFFFF);
    }

    @Test
    void cropLargerThanImageIsZeroPadded() {
        ImagePreprocessorConfig config = ImagePreprocessorConfig.clipVitB32();
        ImagePreprocessorConfig noResize = new ImagePreprocessorConfig(false, 224, 0, 0, config.resample(), true, 8, 8,
                false, 1, false, config.mean(), config.std(), true);
        byte[] white = new byte[4 * 2 * 3];
        Arrays.fill(white, (byte) 255);
        DecodedImage out = new ClipImagePreprocessor(noResize, ImageLimits.DEFAULTS).resizedAndCropped(DecodedImage.ofRgb(4, 2, white));
        // transformers pads to 8x8 with the image at top=ceil(6/2)=3, left=ceil(4/2)=2
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                boolean inside = y >= 3 && y < 5 && x >= 2 && x < 6;
                assertThat(out.rgbAt(x, y)).as("(%d,%d)", x, y).isEqualTo(inside ? 0xFFFFFF : 0);
            }
        }
    }

    @Test
    void batchIsTheConcatenationOfSingleImages() throws IOException {
        List<byte[]> images = List.of(fixture("palette.png"), fixture("cmyk.jpg"), fixture("tiny-9x5.png"));
        float[] batch = clip.batch(images);
        int plane = 3 * clip.height() * clip.width();
        assertThat(batch).hasSize(3 * plane);
        for (int i = 0; i < images.size(); i++) {
            assertThat(Arrays.copyOfRange(batch, i * plane, (i + 1) * plane)).isEqualTo(clip.pixelValues(images.get(i)));
        }
        assertThat(clip.batch(List.of())).isEmpty();
    }

    @Test
    void batchNamesTheBadImage() throws IOException {
        assertThatThrownBy(() -> clip.batch(List.of(fixture("palette.png"), "not an image".getBytes())))
                .isInstanceOf(MmsearchException.class)
                .hasMessageStartingWith("image 1: ")
                .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.UNSUPPORTED_MEDIA_TYPE));
        assertThatThrownBy(() -> clip.batch(List.of("not an image".getBytes())))
                .as("a batch of one: no position prefix").isInstanceOf(MmsearchException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotStartWith("image 0"));
        ClipImagePreprocessor small = new ClipImagePreprocessor(ImagePreprocessorConfig.clipVitB32(), new ImageLimits(1000, 1000));
        assertThatThrownBy(() -> small.pixelValues(fixture("palette.png")))
                .isInstanceOf(MmsearchException.class)
                .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE));
    }

    @Test
    void outputSizeMustNotVaryPerImage() {
        ImagePreprocessorConfig d = ImagePreprocessorConfig.clipVitB32();
        ImagePreprocessorConfig noCrop = new ImagePreprocessorConfig(true, 224, 0, 0, d.resample(), false, 0, 0,
                true, 1 / 255.0, true, d.mean(), d.std(), true);
        assertThatThrownBy(() -> new ClipImagePreprocessor(noCrop, ImageLimits.DEFAULTS))
                .isInstanceOf(MmsearchException.class).hasMessageContaining("varies per image");
        ClipImagePreprocessor p336 = new ClipImagePreprocessor(d.withSize(336), ImageLimits.DEFAULTS);
        assertThat(p336.height()).isEqualTo(336);
        assertThat(p336.pixelValues(DecodedImage.ofRgb(1, 1, new byte[3]))).hasSize(3 * 336 * 336);
    }

    @Test
    void concurrentUseGivesTheSameResults() throws IOException {
        List<byte[]> images = List.of(fixture("palette.png"), fixture("wide-1200x150.jpg"), fixture("rgb16.png"),
                fixture("exif-orientation-6.jpg"));
        List<float[]> sequential = images.stream().map(clip::pixelValues).toList();
        IntStream.range(0, 16).parallel().forEach(i ->
                assertThat(clip.pixelValues(images.get(i % 4))).isEqualTo(sequential.get(i % 4)));
    }
}
