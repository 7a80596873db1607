package dev.mmsearch.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.inference.bundle.ModelBundle;
import dev.mmsearch.inference.bundle.ModelManifest;
import dev.mmsearch.inference.bundle.TextBundle;
import dev.mmsearch.inference.onnx.OnnxTextEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model directories: a Hugging Face / sentence-transformers export layout made from a built-in's
 * files loads by path with no hand-written manifest; incomplete or malformed bundles fail with
 * errors that name the file and the directory.
 */
class ModelBundleTest {

    @TempDir
    Path temp;

    /** Lays out all-MiniLM-L6-v2-q's files the way optimum / Xenova export them. */
    private Path huggingFaceExport(String name) throws IOException {
        TextBundle builtin = TestModels.bundle("all-MiniLM-L6-v2-q");
        Path dir = temp.resolve(name);
        Files.createDirectories(dir.resolve("onnx"));
        Files.createDirectories(dir.resolve("1_Pooling"));
        Files.copy(builtin.modelFile(), dir.resolve("onnx/model.onnx"));
        Files.copy(builtin.tokenizerFile(), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "bert", "hidden_size": 384, "max_position_embeddings": 512,
                 "num_attention_heads": 12, "num_hidden_layers": 6}
                """);
        Files.writeString(dir.resolve("sentence_bert_config.json"), """
                {"max_seq_length": 256, "do_lower_case": false}
                """);
        Files.writeString(dir.resolve("modules.json"), """
                [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                 {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                 {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
                """);
        Files.writeString(dir.resolve("1_Pooling/config.json"), """
                {"word_embedding_dimension": 384, "pooling_mode_cls_token": false,
                 "pooling_mode_mean_tokens": true, "pooling_mode_max_tokens": false}
                """);
        return dir;
    }

    @Test
    void huggingFaceExportLoadsByPathAndMatchesTheBuiltin() throws IOException {
        Path dir = huggingFaceExport("my-minilm");
        TextBundle bundle = TextBundle.load(dir);
        ModelManifest manifest = bundle.manifest();
        assertThat(manifest.id()).isEqualTo("my-minilm");
        assertThat(manifest.pooling()).isEqualTo(ModelManifest.Pooling.MEAN);
        assertThat(manifest.dimension()).isEqualTo(384);
        assertThat(manifest.maxSequenceLength()).isEqualTo(256);
        assertThat(manifest.normalize()).isTrue();
        assertThat(manifest.lowercase()).isFalse();
        assertThat(manifest.outputName()).isEqualTo("last_hidden_state");
        assertThat(bundle.modelFile()).isEqualTo(dir.resolve("onnx/model.onnx"));

        List<String> texts = List.of("A man is playing a guitar.", "The stock market fell sharply today.", "");
        float[][] builtin = TestModels.encoder("all-MiniLM-L6-v2-q").encodeDocuments(texts);
        try (OnnxTextEncoder encoder = OnnxTextEncoder.open(bundle, TestModels.OPTIONS)) {
            assertThat(encoder.stamp().checksum()).isEqualTo(TestModels.encoder("all-MiniLM-L6-v2-q").stamp().checksum());
            float[][] fromDirectory = encoder.encodeDocuments(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertThat(TestModels.cosine(fromDirectory[i], builtin[i])).isGreaterThanOrEqualTo(0.9999);
            }
        }
    }

    @Test
    void clsPoolingConfigAndPromptsAreRead() throws IOException {
        Path dir = huggingFaceExport("cls-variant");
        Files.writeString(dir.resolve("1_Pooling/config.json"), """
                {"word_embedding_dimension": 384, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}
                """);
        Files.writeString(dir.resolve("config_sentence_transformers.json"), """
                {"prompts": {"query": "query: ", "document": "passage: "}}
                """);
        Files.delete(dir.resolve("sentence_bert_config.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"model_max_length": 1000000000000000019884624838656, "do_lower_case": true}
                """);
        ModelManifest manifest = TextBundle.load(dir).manifest();
        assertThat(manifest.pooling()).isEqualTo(ModelManifest.Pooling.CLS);
        assertThat(manifest.queryPrefix()).isEqualTo("query: ");
        assertThat(manifest.documentPrefix()).isEqualTo("passage: ");
        assertThat(manifest.lowercase()).isTrue();
        assertThat(manifest.maxSequenceLength()).as("falls back to max_position_embeddings").isEqualTo(512);
    }

    @Test
    void manifestFileOverridesDerivedFields() throws IOException {
        Path dir = huggingFaceExport("exported");
        Files.writeString(dir.resolve(ModelManifest.FILE_NAME), """
                {"id": "support-minilm", "queryPrefix": "question: ", "maxSequenceLength": 64,
                 "description": "fine-tuned for support tickets"}
                """);
        ModelManifest manifest = TextBundle.load(dir).manifest();
        assertThat(manifest.id()).isEqualTo("support-minilm");
        assertThat(manifest.queryPrefix()).isEqualTo("question: ");
        assertThat(manifest.maxSequenceLength()).isEqualTo(64);
        assertThat(manifest.pooling()).isEqualTo(ModelManifest.Pooling.MEAN);
        assertThat(manifest.dimension()).isEqualTo(384);
    }

    @Test
    void quantizedVariantPicksModelQuantizedOnnx() throws IOException {
        Path dir = huggingFaceExport("both");
        Files.move(dir.resolve("onnx/model.onnx"), dir.resolve("onnx/model_quantized.onnx"));
        assertThatThrownBy(() -> TextBundle.load(dir))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND);
                    assertThat(e.getMessage()).contains("model.onnx", dir.toString(), "quantized");
                });
        TextBundle quantized = TextBundle.load(dir, ModelBundle.Variant.QUANTIZED);
        assertThat(quantized.modelFile().getFileName().toString()).isEqualTo("model_quantized.onnx");
        assertThat(quantized.manifest().id()).isEqualTo("both-q");
    }

    @Test
    void missingTokenizerIsAClearError() throws IOException {
        Path dir = huggingFaceExport("no-tokenizer");
        Files.delete(dir.resolve("tokenizer.json"));
        assertThatThrownBy(() -> TextBundle.load(dir))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND);
                    assertThat(e.getMessage()).contains("tokenizer.json", dir.toString());
                });
    }

    @Test
    void missingOnnxFileAndMissingDirectoryAreClearErrors() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("empty"));
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        assertThatThrownBy(() -> TextBundle.load(dir))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND);
                    assertThat(e.getMessage()).contains("model.onnx or onnx/model.onnx", dir.toString());
                });
        assertThatThrownBy(() -> TextBundle.load(temp.resolve("nowhere")))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MODEL_NOT_FOUND);
                    assertThat(e.getMessage()).contains("nowhere", "does not exist");
                });
    }

    @Test
    void malformedManifestIsInvalidArgumentNamingFileAndField() throws IOException {
        Path dir = huggingFaceExport("bad-manifest");
        Path manifestFile = dir.resolve(ModelManifest.FILE_NAME);
        Files.writeString(manifestFile, "{\"pooling\": \"max\"}");
        assertThatThrownBy(() -> TextBundle.load(dir))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains(manifestFile.toString(), "pooling", "cls, mean, none");
                });
        Files.writeString(manifestFile, "{\"maxSequenceLength\": \"long\"}");
        assertThatThrownBy(() -> TextBundle.load(dir))
                .isInstanceOfSatisfying(MmsearchException.class, e ->
                        assertThat(e.getMessage()).contains("maxSequenceLength", "integer"));
        Files.writeString(manifestFile, "{not json");
        assertThatThrownBy(() -> TextBundle.load(dir))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("not valid JSON");
                });
    }

    @Test
    void manifestDimensionThatContradictsTheModelIsRefusedAtLoad() throws IOException {
        Path dir = huggingFaceExport("wrong-dim");
        Files.writeString(dir.resolve(ModelManifest.FILE_NAME), "{\"dimension\": 768}");
        TextBundle bundle = TextBundle.load(dir);
        assertThatThrownBy(() -> OnnxTextEncoder.open(bundle, TestModels.OPTIONS))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("384", "768");
                });
    }

    @Test
    void manifestRoundTripsThroughItsJsonFile() throws IOException {
        ModelManifest manifest = BuiltinModels.find("e5-small-v2").orElseThrow().manifest();
        Path file = temp.resolve(ModelManifest.FILE_NAME);
        manifest.write(file);
        assertThat(ModelManifest.read(file)).isEqualTo(manifest);
        Files.writeString(file, "{\"id\": \"x\", \"pooling\": \"mean\"}");
        assertThatThrownBy(() -> ModelManifest.read(file))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("missing field 'maxSequenceLength'");
                });
        Files.writeString(file, "{\"id\": \"bad id!\", \"pooling\": \"cls\", \"maxSequenceLength\": 128}");
        assertThatThrownBy(() -> ModelManifest.read(file))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.getMessage()).contains("bad id!"));
    }
}
