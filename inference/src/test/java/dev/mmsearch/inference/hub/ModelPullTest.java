package dev.mmsearch.inference.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.inference.bundle.ModelBundle;
import dev.mmsearch.inference.bundle.ModelManifest;
import dev.mmsearch.inference.bundle.TextBundle;
import dev.mmsearch.inference.onnx.EncoderOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModelPull} end to end against {@link FakeHub}: real downloads over HTTP into a temporary models folder, real
 * ONNX models loaded from the result and compared with direct loads of the same files.
 */
class ModelPullTest {

    private static final EncoderOptions OPTIONS = new EncoderOptions(2, EncoderOptions.DEFAULT_MAX_BATCH_SIZE);
    private static final String FP32_ONLY_REPO = "mmsearch-test/fp32-only";
    private static final List<String> TEXTS = List.of("a small red circle on a blue background",
            "a green square", "how do vaccines train the immune system?");

    private static FakeHub hub;
    private static Map<String, byte[]> clipFiles;

    @TempDir
    Path temp;

    @BeforeAll
    static void startHub() {
        clipFiles = HubFixtures.clipRepo();
        hub = new FakeHub().pageSize(5)
                .repo(HubFixtures.ALIGNED_REPO, Files.isRegularFile(HubFixtures.tinyClipZh().resolve("model.onnx"))
                        ? HubFixtures.alignedRepo() : Map.of())
                .repo(HubFixtures.CLIP_REPO, clipFiles)
                .repo(HubFixtures.MINILM_REPO, HubFixtures.miniLmRepo())
                .repo(HubFixtures.PYTORCH_REPO, HubFixtures.pytorchRepo())
                .repo(HubFixtures.DENSE_REPO, HubFixtures.denseRepo())
                .repo(FP32_ONLY_REPO, Map.of("onnx/model.onnx", HubFixtures.utf8("not really onnx"),
                        "tokenizer.json", HubFixtures.utf8("{}")));
    }

    @AfterAll
    static void stopHub() {
        hub.close();
    }

    private static HubClient client() {
        return new HubClient(hub.endpoint(), null);
    }

    private Path models() {
        return temp.resolve("data").resolve("models");
    }

    @Test
    void pullsAClipExportThatEncodesExactlyLikeTheCommittedModel() throws IOException {
        AtomicLong total = new AtomicLong();
        AtomicLong done = new AtomicLong();
        ModelPull.Result result = ModelPull.pull(client(), HubFixtures.CLIP_REPO, "main", models(),
                ModelBundle.Variant.FP32, recording(total, done));

        assertThat(result.id()).isEqualTo("tiny-clip");
        assertThat(result.clip()).isTrue();
        assertThat(result.directory()).isEqualTo(models().resolve("tiny-clip").toAbsolutePath());
        assertThat(result.files()).containsExactlyInAnyOrder("onnx/text_model.onnx", "onnx/vision_model.onnx",
                "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "config.json",
                "preprocessor_config.json");
        long expectedBytes = result.files().stream().mapToLong(f -> clipFiles.get(f).length).sum();
        assertThat(total.get()).isEqualTo(expectedBytes);
        assertThat(done.get()).isEqualTo(expectedBytes);
        assertThat(result.bytesDownloaded()).isEqualTo(expectedBytes);
        assertThat(hub.downloadsOf(HubFixtures.CLIP_REPO, "onnx/model.onnx")).as("the combined model is not needed")
                .isEmpty();
        assertThat(result.directory().resolve(ModelPull.SOURCE_FILE)).content().contains(HubFixtures.CLIP_REPO);
        try (Stream<Path> left = Files.list(models())) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("tiny-clip");
        }

        byte[] image = Files.readAllBytes(HubFixtures.tinyClip().resolve("eval").resolve("000-red-circle.png"));
        try (ModelRegistry pulled = new ModelRegistry(temp.resolve("cache1"), OPTIONS);
             ModelRegistry direct = new ModelRegistry(temp.resolve("cache2"), OPTIONS)) {
            assertThat(pulled.register(result.directory())).isEqualTo("tiny-clip");
            assertThat(direct.register(HubFixtures.tinyClip())).isEqualTo("tiny-clip");
            float[][] pulledText = pulled.textEncoder("tiny-clip").encodeQueries(TEXTS);
            float[][] directText = direct.textEncoder("tiny-clip").encodeQueries(TEXTS);
            assertThat(pulledText[0]).hasSize(64);
            assertThat(pulledText).isDeepEqualTo(directText);
            assertThat(pulled.imageEncoder("tiny-clip").encodeImage(image))
                    .containsExactly(direct.imageEncoder("tiny-clip").encodeImage(image));
        }
    }

    @Test
    void pullsAQuantizedSentenceEncoderThatEncodesExactlyLikeTheBuiltin() {
        ModelPull.Result result = ModelPull.pull(client(), HubFixtures.MINILM_REPO, "main", models(),
                ModelBundle.Variant.QUANTIZED, DownloadProgress.NONE);

        assertThat(result.id()).isEqualTo("minilm-onnx-q");
        assertThat(result.clip()).isFalse();
        assertThat(result.files()).contains("onnx/model_quantized.onnx", "1_Pooling/config.json", "modules.json",
                "sentence_bert_config.json").doesNotContain("onnx/model.onnx", "pytorch_model.bin", "README.md");
        assertThat(result.directory().resolve("onnx").resolve("model.onnx"))
                .as("stored under the full-precision name so the default variant loads it").isRegularFile();
        assertThat(result.directory().resolve("onnx").resolve("model_quantized.onnx")).doesNotExist();

        try (ModelRegistry pulled = new ModelRegistry(temp.resolve("cache"), OPTIONS);
             ModelRegistry builtins = new ModelRegistry(HubFixtures.modelCacheDir(), OPTIONS)) {
            assertThat(pulled.register(result.directory())).isEqualTo("minilm-onnx-q");
            ModelManifest manifest = pulled.manifest("minilm-onnx-q");
            assertThat(manifest.pooling()).isEqualTo(ModelManifest.Pooling.MEAN);
            assertThat(manifest.maxSequenceLength()).isEqualTo(256);
            assertThat(manifest.description()).contains(HubFixtures.MINILM_REPO).contains("quantized");
            assertThat(pulled.textEncoder("minilm-onnx-q").encodeDocuments(TEXTS))
                    .isDeepEqualTo(builtins.textEncoder("all-MiniLM-L6-v2-q").encodeDocuments(TEXTS));
        }
    }

    @Test
    void aTextTowerAlignedToAClipModelInstallsOnceThatClipModelIsInstalled() throws IOException {
        assumeTrue(Files.isRegularFile(HubFixtures.tinyClipZh().resolve("model.onnx")), "tiny-clip-zh fixture absent");
        assertThatThrownBy(() -> ModelPull.pull(client(), HubFixtures.ALIGNED_REPO, "main", models(),
                ModelBundle.Variant.FP32, null))
                .isInstanceOf(MmsearchException.class)
                .hasMessageContaining("the downloaded model does not load").hasMessageContaining("tiny-clip");
        assertThat(models().resolve("tiny-clip-zh")).doesNotExist();
        int onnxFetches = hub.downloadsOf(HubFixtures.ALIGNED_REPO, "model.onnx").size();

        ModelPull.pull(client(), HubFixtures.CLIP_REPO, "main", models(), ModelBundle.Variant.FP32, null);
        ModelPull.Result zh = ModelPull.pull(client(), HubFixtures.ALIGNED_REPO, "main", models(),
                ModelBundle.Variant.FP32, null);

        assertThat(zh.id()).isEqualTo("tiny-clip-zh");
        assertThat(zh.files()).containsExactlyInAnyOrder("model.onnx", "tokenizer.json", "mmsearch-model.json");
        assertThat(hub.downloadsOf(HubFixtures.ALIGNED_REPO, "model.onnx")).as("staged files are reused")
                .hasSize(onnxFetches);
        List<String> queries = List.of("红色的圆形", "一张绿色三角形的照片");
        try (ModelRegistry pulled = new ModelRegistry(temp.resolve("cache1"), OPTIONS);
             ModelRegistry direct = new ModelRegistry(temp.resolve("cache2"), OPTIONS)) {
            pulled.register(models().resolve("tiny-clip"));
            pulled.register(zh.directory());
            direct.register(HubFixtures.tinyClip());
            direct.register(HubFixtures.tinyClipZh());
            assertThat(pulled.textEncoder("tiny-clip-zh").encodeQueries(queries))
                    .isDeepEqualTo(direct.textEncoder("tiny-clip-zh").encodeQueries(queries));
            assertThat(pulled.textEncoder("tiny-clip-zh").stamp()).isEqualTo(pulled.textEncoder("tiny-clip").stamp());
        }
    }

    @Test
    void anInterruptedPullResumesWithARangeRequestAndKeepsFinishedFiles() throws IOException {
        String vision = "onnx/vision_model.onnx";
        String text = "onnx/text_model.onnx";
        hub.cutOnce(vision, 100_000);
        assertThatThrownBy(() -> ModelPull.pull(client(), HubFixtures.CLIP_REPO, "main", models(),
                ModelBundle.Variant.FP32, null))
                .isInstanceOf(MmsearchException.class)
                .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.NOT_READY))
                .hasMessageContaining("interrupted after ");
        Path staging = ModelPull.stagingDir(models(), HubFixtures.CLIP_REPO, "main", ModelBundle.Variant.FP32);
        // The server cuts after 100,000 bytes; how many arrive before the close depends on socket buffers.
        long kept = Files.size(staging.resolve("onnx").resolve("vision_model.onnx.part"));
        assertThat(kept).isPositive().isLessThanOrEqualTo(100_000);
        assertThat(staging.resolve("onnx").resolve("text_model.onnx")).isRegularFile();
        assertThat(models().resolve("tiny-clip")).doesNotExist();

        int textFetches = hub.downloadsOf(HubFixtures.CLIP_REPO, text).size();
        int visionFetches = hub.downloadsOf(HubFixtures.CLIP_REPO, vision).size();
        ModelPull.Result result = ModelPull.pull(client(), HubFixtures.CLIP_REPO, "main", models(),
                ModelBundle.Variant.FP32, null);

        assertThat(hub.downloadsOf(HubFixtures.CLIP_REPO, text)).as("a finished file is not fetched again")
                .hasSize(textFetches);
        List<FakeHub.Request> visionRequests = hub.downloadsOf(HubFixtures.CLIP_REPO, vision);
        List<FakeHub.Request> resumed = visionRequests.subList(visionFetches, visionRequests.size());
        assertThat(resumed).extracting(FakeHub.Request::range).containsExactly("bytes=" + kept + "-", "bytes=" + kept + "-");
        byte[] installed = Files.readAllBytes(result.directory().resolve(vision));
        assertThat(FakeHub.sha256(installed)).isEqualTo(FakeHub.sha256(clipFiles.get(vision)));
        long all = result.files().stream().mapToLong(f -> clipFiles.get(f).length).sum();
        assertThat(result.bytesDownloaded()).isEqualTo(all - clipFiles.get(text).length - kept);
        assertThat(staging).doesNotExist();
    }

    @Test
    void aCorruptedDownloadInstallsNothingAndLeavesNoPartialFile() throws IOException {
        hub.corrupt("onnx/text_model.onnx");
        try {
            assertThatThrownBy(() -> ModelPull.pull(client(), HubFixtures.CLIP_REPO, "main", models(),
                    ModelBundle.Variant.FP32, null))
                    .isInstanceOf(MmsearchException.class)
                    .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.INTERNAL))
                    .hasMessageContaining("checksum mismatch for onnx/text_model.onnx");
        } finally {
            hub.clearCorruption();
        }
        assertThat(models().resolve("tiny-clip")).doesNotExist();
        try (Stream<Path> files = Files.walk(models())) {
            assertThat(files.map(Path::toString).filter(p -> p.endsWith(".part") || p.endsWith("text_model.onnx")))
                    .isEmpty();
        }
    }

    @Test
    void refusesARepositoryWithoutOnnxBeforeDownloadingAnything() {
        assertThatThrownBy(() -> ModelPull.pull(client(), HubFixtures.PYTORCH_REPO, "main", models(),
                ModelBundle.Variant.FP32, null))
                .isInstanceOf(MmsearchException.class)
                .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND))
                .hasMessageContaining("repo " + HubFixtures.PYTORCH_REPO + "@main has no ONNX export")
                .hasMessageContaining("pytorch_model.bin")
                .hasMessageContaining("Xenova/pytorch-only").hasMessageContaining("onnx-community/pytorch-only");
        assertThat(hub.requests()).noneMatch(r -> r.path().contains("/pytorch-only/resolve/"));
        assertThat(models()).doesNotExist();
    }

    @Test
    void refusesASentenceTransformersModelWithADenseHead() {
        assertThatThrownBy(() -> ModelPull.pull(client(), HubFixtures.DENSE_REPO, "main", models(),
                ModelBundle.Variant.FP32, null))
                .isInstanceOf(MmsearchException.class)
                .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("Dense projection").hasMessageContaining("2_Dense/");
        assertThat(hub.requests()).noneMatch(r -> r.path().contains("/dense-head/resolve/"));
    }

    @Test
    void refusesTheQuantizedVariantWhenTheRepositoryHasNone() {
        assertThatThrownBy(() -> ModelPull.pull(client(), FP32_ONLY_REPO, "main", models(),
                ModelBundle.Variant.QUANTIZED, null))
                .isInstanceOf(MmsearchException.class)
                .hasMessageContaining("no quantized ONNX model").hasMessageContaining("onnx/model.onnx")
                .hasMessageContaining("without --quantized");
    }

    @Test
    void aModelThatDoesNotLoadIsNotInstalled() {
        assertThatThrownBy(() -> ModelPull.pull(client(), FP32_ONLY_REPO, "main", models(),
                ModelBundle.Variant.FP32, null))
                .isInstanceOf(MmsearchException.class)
                .hasMessageContaining("the downloaded model does not load");
        assertThat(models().resolve("fp32-only")).doesNotExist();
    }

    @Test
    void idsAreCheckedBeforeAnyRequest() throws IOException {
        int before = hub.requests().size();
        assertThatThrownBy(() -> ModelPull.pull(client(), HubFixtures.MINILM_REPO, "main", models(),
                ModelBundle.Variant.FP32, "all-MiniLM-L6-v2", null))
                .isInstanceOf(MmsearchException.class)
                .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("built-in").hasMessageContaining("--id");
        assertThatThrownBy(() -> ModelPull.pull(client(), HubFixtures.MINILM_REPO, "main", models(),
                ModelBundle.Variant.FP32, "bad id!", null))
                .hasMessageContaining("may only contain");
        Files.createDirectories(models().resolve("minilm-onnx"));
        assertThatThrownBy(() -> ModelPull.pull(client(), HubFixtures.MINILM_REPO, "main", models(),
                ModelBundle.Variant.FP32, null))
                .isInstanceOf(MmsearchException.class)
                .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.COLLECTION_EXISTS))
                .hasMessageContaining("already installed");
        assertThat(hub.requests()).hasSize(before);
    }

    @Test
    void unknownRepositoryIsModelNotFound() {
        assertThatThrownBy(() -> ModelPull.pull(client(), "nobody/missing", "main", models(),
                ModelBundle.Variant.FP32, null))
                .isInstanceOf(MmsearchException.class)
                .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND))
                .hasMessageContaining("nobody/missing");
    }

    @Test
    void defaultIdsComeFromTheRepositoryName() {
        assertThat(ModelPull.defaultId("Xenova/clip-vit-base-patch32", ModelBundle.Variant.FP32))
                .isEqualTo("clip-vit-base-patch32");
        assertThat(ModelPull.defaultId("Xenova/clip-vit-base-patch32", ModelBundle.Variant.QUANTIZED))
                .isEqualTo("clip-vit-base-patch32-q");
        assertThat(ModelPull.defaultId("gpt2", ModelBundle.Variant.FP32)).isEqualTo("gpt2");
    }

    private static DownloadProgress recording(AtomicLong total, AtomicLong done) {
        return new DownloadProgress() {
            @Override
            public void start(String task, long totalBytes) {
                total.set(totalBytes);
            }

            @Override
            public void advance(long bytes) {
                done.addAndGet(bytes);
            }

            @Override
            public void finish() {
            }
        };
    }
}
