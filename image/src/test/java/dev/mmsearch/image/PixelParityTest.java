package dev.mmsearch.image;

import dev.mmsearch.core.Json;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compares {@link ClipImagePreprocessor} with the Pillow/numpy transcription of CLIPImageProcessor in
 * {@code src/test/python/make_pixel_fixtures.py}: per fixture image, mean |diff| <= 0.01 and max |diff| <= 0.1 in
 * normalised units; the normalisation itself is checked against numpy's float32 tensor (sum and samples).
 */
class PixelParityTest {
    private static final Logger LOG = LoggerFactory.getLogger(PixelParityTest.class);
    private static final double MAX_MEAN_ABS = 0.01;
    private static final double MAX_ABS = 0.1;

    @TestFactory
    List<DynamicTest> matchesPillowReference() throws IOException {
        JsonNode index = Json.MAPPER.readTree(resource("index.json"));
        assertThat(index.get("fixtures").size()).isGreaterThanOrEqualTo(20);
        long exceptions = index.get("fixtures").valueStream().filter(f -> f.has("tolerance")).count();
        assertThat(exceptions).as("fixtures with a looser, documented tolerance").isLessThanOrEqualTo(1);
        float[] mean = floats(index.get("mean"));
        float[] std = floats(index.get("std"));
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode fixture : index.get("fixtures")) {
            String name = fixture.get("name").stringValue();
            tests.add(DynamicTest.dynamicTest(name, () -> check(fixture, mean, std)));
        }
        return tests;
    }

    private static void check(JsonNode fixture, float[] mean, float[] std) throws IOException {
        String name = fixture.get("name").stringValue();
        int size = fixture.get("crop").intValue();
        ImagePreprocessorConfig config = new ImagePreprocessorConfig(true, fixture.get("shortestEdge").intValue(), 0, 0,
                Resample.fromPilCode(fixture.get("resample").intValue()), true, size, size, true, 1.0 / 255.0, true,
                ImagePreprocessorConfig.CLIP_MEAN, ImagePreprocessorConfig.CLIP_STD, true);
        ClipImagePreprocessor preprocessor = new ClipImagePreprocessor(config, ImageLimits.DEFAULTS);
        byte[] input = Files.readAllBytes(input(fixture.get("input").stringValue()));
        DecodedImage decoded = ImageDecoder.decode(input);
        assertThat(decoded.width()).as("decoded width (after EXIF orientation)").isEqualTo(fixture.get("sourceWidth").intValue());
        assertThat(decoded.height()).as("decoded height").isEqualTo(fixture.get("sourceHeight").intValue());

        float[] actual = preprocessor.pixelValues(input);
        DecodedImage reference = ImageDecoder.decode(resource(name + ".png").readAllBytes());
        assertThat(reference.width()).isEqualTo(size);
        float[] expected = normalise(reference, mean, std);

        // the test's own normalisation must equal numpy's float32 tensor (checks rescale + normalise arithmetic)
        double sum = 0;
        for (float v : expected) {
            sum += v;
        }
        assertThat(sum).as("sum of numpy tensor").isCloseTo(fixture.get("sum").doubleValue(),
                org.assertj.core.data.Offset.offset(1e-3));
        fixture.get("samples").properties().forEach(e -> assertThat((double) expected[Integer.parseInt(e.getKey())])
                .as("numpy sample " + e.getKey()).isEqualTo(e.getValue().doubleValue()));

        assertThat(actual).hasSize(expected.length);
        double totalAbs = 0;
        double maxAbs = 0;
        int exact = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs(actual[i] - expected[i]);
            totalAbs += d;
            maxAbs = Math.max(maxAbs, d);
            if (d == 0) {
                exact++;
            }
        }
        double meanAbs = totalAbs / actual.length;
        String line = String.format(Locale.ROOT, "parity %-45s meanAbs=%.6f maxAbs=%.6f exact=%.4f", name, meanAbs,
                maxAbs, (double) exact / actual.length);
        LOG.info(line);
        record(line);
        double allowedMean = MAX_MEAN_ABS;
        double allowedMax = MAX_ABS;
        JsonNode tolerance = fixture.get("tolerance");
        if (tolerance != null) { // documented exception (lossy WebP), see make_pixel_fixtures.py
            allowedMean = tolerance.get("maxMeanAbs").doubleValue();
            allowedMax = tolerance.get("maxAbs").doubleValue();
        }
        assertThat(meanAbs).as("mean |diff| for " + name).isLessThanOrEqualTo(allowedMean);
        assertThat(maxAbs).as("max |diff| for " + name).isLessThanOrEqualTo(allowedMax);
    }

    /** numpy: (u8.astype(float64) * (1/255)).astype(float32), then (x - mean) / std in float32, HWC -> CHW. */
    private static float[] normalise(DecodedImage image, float[] mean, float[] std) {
        byte[] rgb = image.rgb();
        int plane = image.width() * image.height();
        float[] out = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                float f = (float) ((rgb[i * 3 + c] & 0xff) * (1 / 255.0));
                out[c * plane + i] = (f - mean[c]) / std[c];
            }
        }
        return out;
    }

    private static Path input(String ref) {
        String[] parts = ref.split(":", 2);
        Path path = parts[0].equals("shared") ? TestPaths.sharedData().resolve(parts[1])
                : TestPaths.fixtures().resolve(parts[1]);
        assertThat(path).as("fixture input").isRegularFile();
        return path;
    }

    private static InputStream resource(String name) {
        InputStream in = PixelParityTest.class.getResourceAsStream("/pixel-fixtures/" + name);
        assertThat(in).as("test resource pixel-fixtures/" + name).isNotNull();
        return in;
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).doubleValue();
        }
        return out;
    }

    private static synchronized void record(String line) {
        try {
            Path file = Path.of("target", "pixel-parity.txt");
            Files.createDirectories(file.getParent());
            Files.writeString(file, line + System.lineSeparator(), java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
