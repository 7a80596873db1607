package dev.mmsearch.inference;

import dev.mmsearch.inference.bundle.TextBundle;
import dev.mmsearch.inference.onnx.EncoderOptions;
import dev.mmsearch.inference.onnx.OnnxTextEncoder;
import java.nio.file.Path;

/**
 * One model registry shared by all tests of this module in a JVM, so each model is copied out of its
 * jar once per build (into {@code mmsearch.testCache}) and loaded once per test run. Never closed:
 * the test JVM's exit frees it.
 */
final class TestModels {

    /** Two threads: the build machine has two cores shared with other jobs. */
    static final EncoderOptions OPTIONS = new EncoderOptions(2, EncoderOptions.DEFAULT_MAX_BATCH_SIZE);

    private static ModelRegistry registry;

    private TestModels() {
    }

    static Path modelCacheDir() {
        return Path.of(System.getProperty("mmsearch.testCache", "target/test-cache")).resolve("models");
    }

    static synchronized ModelRegistry registry() {
        if (registry == null) {
            registry = new ModelRegistry(modelCacheDir(), OPTIONS);
        }
        return registry;
    }

    static OnnxTextEncoder encoder(String id) {
        return registry().onnxTextEncoder(id);
    }

    static TextBundle bundle(String id) {
        return BuiltinModels.materialize(BuiltinModels.find(id).orElseThrow(), modelCacheDir());
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    static double norm(float[] a) {
        double sum = 0;
        for (float v : a) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum);
    }
}
