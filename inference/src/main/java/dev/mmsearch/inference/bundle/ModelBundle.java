package dev.mmsearch.inference.bundle;

import dev.mmsearch.core.MmsearchException;
import java.nio.file.Path;
import java.util.List;

/**
 * The files of one model on disk: a sentence encoder ({@link TextBundle}) or a CLIP model ({@link ClipBundle}).
 *
 * <p>{@link #load(Path, Variant)} is the one place that looks at a model directory and says which it holds
 * (mmsearch bundles, Hugging Face / Optimum / Xenova exports; see the two records for the files each layout has):
 * a directory is a CLIP export when it has a {@code text_model} or {@code vision_model} ONNX file, or when its
 * {@value ModelManifest#FILE_NAME} says {@code "kind": "clip"} (or, without a {@code "kind"} there, its
 * {@code config.json} says {@code "model_type": "clip"}); otherwise it is a sentence encoder.
 * {@link TextBundle#load(Path, Variant)} and {@link ClipBundle#load(Path, Variant)} load one kind only.
 */
public sealed interface ModelBundle permits TextBundle, ClipBundle {

    /** The Hugging Face tokenizer file that every layout has next to its ONNX file(s). */
    String TOKENIZER_FILE = "tokenizer.json";

    /** Which ONNX file(s) of an export to use. */
    enum Variant {
        /** {@code model.onnx} (CLIP: {@code text_model.onnx}, ...): full precision, exact. */
        FP32,
        /** {@code model_quantized.onnx} (CLIP: {@code text_model_quantized.onnx}, ...): int8 weights, ~4x smaller
         *  and ~2x faster, vectors slightly off. */
        QUANTIZED
    }

    /** Registry id: the manifest's {@code "id"}, else the directory name (plus {@code -q} when quantized). */
    String id();

    /** How to use the model, as {@link dev.mmsearch.inference.ModelRegistry#manifest(String)} reports it unloaded. */
    ModelManifest manifest();

    /** The distinct ONNX files, in the order their bytes enter {@link #checksum()} (CLIP: text tower first). */
    List<Path> onnxFiles();

    /** SHA-256 (hex, lower case) over the bytes of {@link #onnxFiles()} in order: the checksum of the model's stamp. */
    default String checksum() {
        return Checksums.sha256(onnxFiles());
    }

    /** Loads the full-precision model of {@code dir}; see {@link #load(Path, Variant)}. */
    static ModelBundle load(Path dir) {
        return load(dir, Variant.FP32);
    }

    /**
     * Reads {@code dir} and returns what it holds: a {@link ClipBundle} for a CLIP export, else a {@link TextBundle}.
     *
     * @throws MmsearchException MODEL_NOT_FOUND naming the missing directory or file; INVALID_ARGUMENT when a
     *                           configuration file is malformed
     */
    static ModelBundle load(Path dir, Variant variant) {
        return ModelLayout.detect(dir, variant);
    }
}
