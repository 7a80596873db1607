package dev.mmsearch.inference.hub;

import dev.mmsearch.inference.BuiltinModels;
import dev.mmsearch.inference.bundle.TextBundle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Fixture repositories in the layouts real hub repositories use, built from committed and built-in models. */
final class HubFixtures {

    static final String CLIP_REPO = "Xenova/tiny-clip";
    static final String MINILM_REPO = "mmsearch-test/minilm-onnx";
    static final String PYTORCH_REPO = "sentence-transformers/pytorch-only";
    static final String DENSE_REPO = "sentence-transformers/dense-head";
    static final String ALIGNED_REPO = "mmsearch-test/tiny-clip-zh";

    private HubFixtures() {
    }

    /** {@code <repo>/fixtures}: system property {@code mmsearch.fixtures}, else {@code ../fixtures} from the module. */
    static Path tinyClip() {
        String property = System.getProperty("mmsearch.fixtures");
        Path dir = property != null ? Path.of(property) : Path.of("..", "fixtures");
        return dir.toAbsolutePath().normalize().resolve("models").resolve("tiny-clip");
    }

    /** The committed Chinese text tower aligned to tiny-clip (kind aligned_text_encoder). */
    static Path tinyClipZh() {
        return tinyClip().resolveSibling("tiny-clip-zh");
    }

    /**
     * tiny-clip-zh as a repository: a whole-pipeline ONNX (pooling and Dense inside) with its own mmsearch manifest,
     * plus the sentence-transformers Dense folder that the manifest makes irrelevant.
     */
    static Map<String, byte[]> alignedRepo() {
        Path dir = tinyClipZh();
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("model.onnx", FakeHub.read(dir.resolve("model.onnx")));
        files.put("tokenizer.json", FakeHub.read(dir.resolve("tokenizer.json")));
        files.put("mmsearch-model.json", FakeHub.read(dir.resolve("mmsearch-model.json")));
        files.put("2_Dense/config.json", utf8("{\"in_features\": 64, \"out_features\": 64}"));
        return files;
    }

    static Path modelCacheDir() {
        return Path.of(System.getProperty("mmsearch.testCache", "target/test-cache")).toAbsolutePath().resolve("models");
    }

    /**
     * The committed tiny CLIP laid out like the Xenova CLIP exports: towers (and the combined model, which must not be
     * fetched) under {@code onnx/}, tokenizer and processor files at the root, plus files a pull must leave alone.
     * The quantized names hold the same bytes (the tiny model has no int8 version): enough to test which files a
     * quantized pull picks and how it names them.
     */
    static Map<String, byte[]> clipRepo() {
        Path dir = tinyClip();
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(".gitattributes", "*.onnx filter=lfs diff=lfs merge=lfs -text\n".getBytes(StandardCharsets.UTF_8));
        files.put("README.md", "---\nlibrary_name: transformers.js\n---\ntiny CLIP\n".getBytes(StandardCharsets.UTF_8));
        for (String name : new String[] {"config.json", "preprocessor_config.json", "special_tokens_map.json",
                "tokenizer.json", "tokenizer_config.json"}) {
            files.put(name, FakeHub.read(dir.resolve(name)));
        }
        files.put("onnx/model.onnx", FakeHub.read(dir.resolve("combined").resolve("model.onnx")));
        files.put("onnx/text_model.onnx", FakeHub.read(dir.resolve("text_model.onnx")));
        files.put("onnx/vision_model.onnx", FakeHub.read(dir.resolve("vision_model.onnx")));
        files.put("onnx/text_model_quantized.onnx", FakeHub.read(dir.resolve("text_model.onnx")));
        files.put("onnx/vision_model_quantized.onnx", FakeHub.read(dir.resolve("vision_model.onnx")));
        return files;
    }

    /** The built-in all-MiniLM-L6-v2 (int8) files in a sentence-transformers + ONNX repository layout. */
    static Map<String, byte[]> miniLmRepo() {
        TextBundle builtin = BuiltinModels.materialize(BuiltinModels.find("all-MiniLM-L6-v2-q").orElseThrow(),
                modelCacheDir());
        byte[] onnx = FakeHub.read(builtin.modelFile());
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("README.md", "# all-MiniLM-L6-v2 (test copy)\n".getBytes(StandardCharsets.UTF_8));
        files.put("config.json", utf8("{\"model_type\": \"bert\", \"hidden_size\": 384, "
                + "\"max_position_embeddings\": 512, \"num_hidden_layers\": 6}"));
        files.put("sentence_bert_config.json", utf8("{\"max_seq_length\": 256, \"do_lower_case\": false}"));
        files.put("modules.json", utf8("[{\"idx\": 0, \"name\": \"0\", \"path\": \"\", "
                + "\"type\": \"sentence_transformers.models.Transformer\"}, {\"idx\": 1, \"name\": \"1\", "
                + "\"path\": \"1_Pooling\", \"type\": \"sentence_transformers.models.Pooling\"}, {\"idx\": 2, "
                + "\"name\": \"2\", \"path\": \"2_Normalize\", \"type\": \"sentence_transformers.models.Normalize\"}]"));
        files.put("1_Pooling/config.json", utf8("{\"word_embedding_dimension\": 384, \"pooling_mode_cls_token\": false, "
                + "\"pooling_mode_mean_tokens\": true, \"pooling_mode_max_tokens\": false}"));
        files.put("tokenizer.json", FakeHub.read(builtin.tokenizerFile()));
        files.put("onnx/model.onnx", onnx);
        files.put("onnx/model_quantized.onnx", onnx);
        files.put("pytorch_model.bin", noise(4096, 1));
        return files;
    }

    /** A repository with PyTorch weights only. */
    static Map<String, byte[]> pytorchRepo() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", utf8("{\"model_type\": \"bert\"}"));
        files.put("tokenizer.json", utf8("{}"));
        files.put("pytorch_model.bin", noise(2048, 2));
        files.put("model.safetensors", noise(2048, 3));
        return files;
    }

    /** A sentence-transformers model whose pipeline ends in a Dense layer (like clip-ViT-B-32-multilingual-v1). */
    static Map<String, byte[]> denseRepo() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", utf8("{\"model_type\": \"distilbert\", \"dim\": 768}"));
        files.put("tokenizer.json", utf8("{}"));
        files.put("modules.json", utf8("[]"));
        files.put("1_Pooling/config.json", utf8("{\"pooling_mode_mean_tokens\": true}"));
        files.put("2_Dense/config.json", utf8("{\"in_features\": 768, \"out_features\": 512}"));
        files.put("2_Dense/model.safetensors", noise(1024, 4));
        files.put("onnx/model.onnx", noise(1024, 5));
        return files;
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] noise(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
