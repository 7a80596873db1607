package dev.mmsearch.grpc;

import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.inference.onnx.EncoderOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;

/** Shared bits of this module's tests: the model cache of the build, test texts, loopback helpers. */
final class GrpcTestSupport {

    /** Two intra-op threads: the build machine has two cores shared with other jobs. */
    static final EncoderOptions OPTIONS = new EncoderOptions(2, EncoderOptions.DEFAULT_MAX_BATCH_SIZE);

    static final List<String> TEXTS = List.of(
            "What is the capital of France?",
            "Paris is the capital and most populous city of France.",
            "How do vaccines train the immune system?",
            "A tiny sentence.",
            "",
            "Gradient descent minimises a loss function by following the negative gradient step by step.",
            "Les modèles de langue multilingues gèrent plusieurs langues.",
            "Photosynthesis converts light energy into chemical energy stored in glucose.",
            "The quick brown fox jumps over the lazy dog",
            "Why is the sky blue during the day and red at sunset?");

    private GrpcTestSupport() {
    }

    static Path modelCacheDir() {
        return Path.of(System.getProperty("mmsearch.testCache", "../target/test-cache")).resolve("models");
    }

    /** A fresh registry over the build's model cache (each inference node of a test gets its own). */
    static ModelRegistry newRegistry() {
        return new ModelRegistry(modelCacheDir(), OPTIONS);
    }

    static String loopback(int port) {
        return "127.0.0.1:" + port;
    }

    /** A loopback port nothing listens on (bound, then released). */
    static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
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
}
