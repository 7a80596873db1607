package dev.mmsearch.inference.bundle;

import dev.mmsearch.core.MmsearchException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The files of one sentence encoder on disk: its ONNX file, its {@code tokenizer.json} and the manifest that
 * says how to use them.
 *
 * <p>{@link #load(Path)} reads a directory in any of these layouts, with no hand editing:
 * <ul>
 *   <li>an mmsearch bundle: {@code model.onnx}, {@code tokenizer.json}, {@value ModelManifest#FILE_NAME};</li>
 *   <li>a Hugging Face / Optimum / Xenova export: {@code model.onnx} or {@code onnx/model.onnx}
 *       ({@code model_quantized.onnx} with {@link ModelBundle.Variant#QUANTIZED}), {@code tokenizer.json}, and when
 *       present {@code config.json} (hidden_size, max_position_embeddings), {@code sentence_bert_config.json}
 *       (max_seq_length, do_lower_case), {@code tokenizer_config.json} (model_max_length, do_lower_case),
 *       {@code modules.json} + {@code 1_Pooling/config.json} (pooling), and
 *       {@code config_sentence_transformers.json} (query/document prompts).</li>
 * </ul>
 * When both exist, fields written in {@value ModelManifest#FILE_NAME} override the derived ones.
 *
 * @param manifest      how to use the model
 * @param modelFile     the ONNX file
 * @param tokenizerFile the {@code tokenizer.json}
 * @param modelSha256   SHA-256 (hex) of the ONNX file when already known (built-ins), else null and
 *                      computed when the model is loaded
 */
public record TextBundle(ModelManifest manifest, Path modelFile, Path tokenizerFile, String modelSha256)
        implements ModelBundle {

    public TextBundle {
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(modelFile, "modelFile");
        Objects.requireNonNull(tokenizerFile, "tokenizerFile");
    }

    /** Same files, another manifest (e.g. a different id or maximum length). */
    public TextBundle withManifest(ModelManifest newManifest) {
        return new TextBundle(newManifest, modelFile, tokenizerFile, modelSha256);
    }

    @Override
    public String id() {
        return manifest.id();
    }

    @Override
    public List<Path> onnxFiles() {
        return List.of(modelFile);
    }

    /** {@link #modelSha256()} when known, else the SHA-256 of {@link #modelFile()} (read now). */
    @Override
    public String checksum() {
        return modelSha256 != null ? modelSha256 : Checksums.sha256(modelFile);
    }

    /** Loads the full-precision model of {@code dir}; see the class comment for the layouts read. */
    public static TextBundle load(Path dir) {
        return load(dir, ModelBundle.Variant.FP32);
    }

    /**
     * Loads {@code dir} as a sentence encoder.
     *
     * @throws MmsearchException MODEL_NOT_FOUND naming the missing file and the directory;
     *                           INVALID_ARGUMENT when a configuration file is malformed or the directory holds a
     *                           CLIP model (load that with {@link ClipBundle#load(Path, ModelBundle.Variant)} or
     *                           {@link ModelBundle#load(Path, ModelBundle.Variant)})
     */
    public static TextBundle load(Path dir, ModelBundle.Variant variant) {
        return ModelLayout.text(dir, variant);
    }
}
