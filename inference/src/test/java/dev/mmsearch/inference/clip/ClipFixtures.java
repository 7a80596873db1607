package dev.mmsearch.inference.clip;

import dev.mmsearch.core.Json;
import dev.mmsearch.inference.onnx.EncoderOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Paths of the committed tiny-CLIP fixture and the real CLIP tokenizer, and small vector helpers. */
final class ClipFixtures {

    /** Two threads: the build machine has two cores shared with other jobs. */
    static final EncoderOptions OPTIONS = new EncoderOptions(2, EncoderOptions.DEFAULT_MAX_BATCH_SIZE);

    private ClipFixtures() {
    }

    /** {@code <repo>/fixtures}: system property {@code mmsearch.fixtures}, else {@code ../fixtures} from the module. */
    static Path fixtures() {
        String property = System.getProperty("mmsearch.fixtures");
        Path dir = property != null ? Path.of(property) : Path.of("..", "fixtures");
        return dir.toAbsolutePath().normalize();
    }

    /** The tiny CLIP model directory (separate-towers layout). */
    static Path tinyClip() {
        return fixtures().resolve("models").resolve("tiny-clip");
    }

    /** The real openai/clip-vit-base-patch32 tokenizer files ({@code ../shared/models/...}). */
    static Path realClipTokenizer() {
        String property = System.getProperty("mmsearch.sharedData");
        Path data = property != null ? Path.of(property) : Path.of("..", "..", "shared", "data");
        return data.toAbsolutePath().normalize().getParent().resolve("models").resolve("clip-vit-base-patch32-tokenizer");
    }

    static JsonNode reference() {
        return Json.MAPPER.readTree(tinyClip().resolve("reference.json").toFile());
    }

    static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    static float[] normalized(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / Math.sqrt(sum));
        }
        return out;
    }

    static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }

    static double cosine(float[] a, float[] b) {
        return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One held-out evaluation image: file bytes and its labels. */
    record EvalImage(String file, String shape, String colour, String caption, byte[] bytes) {
        String label() {
            return colour + " " + shape;
        }
    }

    /** The held-out images of {@code eval/labels.jsonl} (never seen in training). */
    static List<EvalImage> evalImages() {
        Path dir = tinyClip().resolve("eval");
        List<EvalImage> images = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(dir.resolve("labels.jsonl"))) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node = Json.MAPPER.readTree(line);
                String file = node.get("file").asString();
                images.add(new EvalImage(file, node.get("shape").asString(), node.get("colour").asString(),
                        node.get("caption").asString(), Files.readAllBytes(dir.resolve(file))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return images;
    }
}
