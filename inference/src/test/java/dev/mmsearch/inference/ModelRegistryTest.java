package dev.mmsearch.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.bundle.ModelManifest;
import dev.mmsearch.inference.bundle.TextBundle;
import dev.mmsearch.inference.onnx.EncoderOptions;
import dev.mmsearch.inference.onnx.OnnxTextEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lookup by id, lazy shared loading, registration of directories, and closing. */
class ModelRegistryTest {

    @TempDir
    Path temp;

    private ModelRegistry newRegistry() {
        return new ModelRegistry(TestModels.modelCacheDir(), new EncoderOptions(1, 16));
    }

    @Test
    void defaultModelIsABuiltin() {
        try (ModelRegistry registry = newRegistry()) {
            assertThat(registry.modelIds()).contains(ModelRegistry.DEFAULT_MODEL).hasSize(8);
            assertThat(registry.manifest(ModelRegistry.DEFAULT_MODEL).dimension()).isEqualTo(384);
            assertThat(registry.isLoaded(ModelRegistry.DEFAULT_MODEL)).isFalse();
        }
    }

    @Test
    void unknownIdIsModelNotFoundListingTheKnownIds() {
        try (ModelRegistry registry = newRegistry()) {
            assertThatThrownBy(() -> registry.textEncoder("bge-large-xx"))
                    .isInstanceOfSatisfying(MmsearchException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND);
                        assertThat(e.getMessage()).contains("bge-large-xx", "bge-small-en-v1.5", "all-MiniLM-L6-v2",
                                "bge-small-zh-v1.5-q", "e5-small-v2");
                    });
            assertThatThrownBy(() -> registry.textEncoder(null))
                    .isInstanceOfSatisfying(MmsearchException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND));
        }
    }

    @Test
    void sameIdReturnsTheSameInstanceEvenWhenAskedConcurrently() throws Exception {
        try (ModelRegistry registry = newRegistry()) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                Callable<TextEncoder> load = () -> registry.textEncoder("all-MiniLM-L6-v2-q");
                List<Future<TextEncoder>> futures = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    futures.add(pool.submit(load));
                }
                TextEncoder first = futures.get(0).get();
                for (Future<TextEncoder> future : futures) {
                    assertThat(future.get()).isSameAs(first);
                }
                assertThat(registry.textEncoder("all-MiniLM-L6-v2-q")).isSameAs(first);
                assertThat(registry.isLoaded("all-MiniLM-L6-v2-q")).isTrue();
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void registeredDirectoryLoadsByItsIdAndIdsCannotClash() throws IOException {
        TextBundle builtin = TestModels.bundle("all-MiniLM-L6-v2-q");
        Path dir = Files.createDirectories(temp.resolve("Support Model"));
        Files.copy(builtin.modelFile(), dir.resolve("model.onnx"));
        Files.copy(builtin.tokenizerFile(), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve(ModelManifest.FILE_NAME), """
                {"pooling": "mean", "maxSequenceLength": 128}
                """);
        try (ModelRegistry registry = newRegistry()) {
            String id = registry.register(dir);
            assertThat(id).isEqualTo("Support-Model");
            assertThat(registry.register(dir)).as("idempotent").isEqualTo(id);
            assertThat(registry.modelIds()).endsWith(id);
            OnnxTextEncoder encoder = registry.onnxTextEncoder(id);
            assertThat(encoder.dimension()).as("read from the ONNX output shape").isEqualTo(384);
            assertThat(encoder.maxSequenceLength()).isEqualTo(128);
            assertThat(encoder.stamp().modelId()).isEqualTo(id);

            Path other = Files.createDirectories(temp.resolve("other"));
            Files.copy(builtin.modelFile(), other.resolve("model.onnx"));
            Files.copy(builtin.tokenizerFile(), other.resolve("tokenizer.json"));
            Files.writeString(other.resolve(ModelManifest.FILE_NAME), "{\"id\": \"Support-Model\", \"pooling\": \"mean\"}");
            assertThatThrownBy(() -> registry.register(other))
                    .isInstanceOfSatisfying(MmsearchException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                        assertThat(e.getMessage()).contains("already registered");
                    });
            Files.writeString(other.resolve(ModelManifest.FILE_NAME), "{\"id\": \"e5-small-v2\", \"pooling\": \"mean\"}");
            assertThatThrownBy(() -> registry.register(other))
                    .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.getMessage()).contains("built-in"));
            assertThatThrownBy(() -> registry.register(temp.resolve("missing")))
                    .isInstanceOfSatisfying(MmsearchException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND));
        }
    }

    @Test
    void closeClosesLoadedEncodersAndRefusesFurtherUse() {
        ModelRegistry registry = newRegistry();
        OnnxTextEncoder encoder = registry.onnxTextEncoder("all-MiniLM-L6-v2-q");
        assertThat(encoder.encodeQuery("hello")).hasSize(384);
        registry.close();
        registry.close();
        assertThatThrownBy(() -> encoder.encodeQuery("hello"))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY));
        assertThatThrownBy(() -> registry.textEncoder("all-MiniLM-L6-v2-q"))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_READY));
    }
}
