package dev.mmsearch.inference.bundle;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The files of one CLIP model on disk, in the Hugging Face / Optimum / Xenova ONNX layouts:
 * <ul>
 *   <li>separate towers: {@code text_model.onnx} (inputs {@code input_ids}, {@code attention_mask};
 *       output {@code text_embeds}) and {@code vision_model.onnx} (input {@code pixel_values};
 *       output {@code image_embeds}), in the directory or its {@code onnx/} folder;</li>
 *   <li>one combined {@code model.onnx} (inputs {@code input_ids}, {@code attention_mask},
 *       {@code pixel_values}; outputs {@code text_embeds}, {@code image_embeds}), recognised as CLIP by
 *       {@code config.json} ({@code "model_type": "clip"}) or an {@value ModelManifest#FILE_NAME} with
 *       {@code "kind": "clip"};</li>
 * </ul>
 * plus {@code tokenizer.json} and {@code preprocessor_config.json} (CLIPImageProcessor parameters).
 * With {@link ModelBundle.Variant#QUANTIZED} the {@code *_quantized.onnx} files are used.
 * The id is the {@code "id"} of {@value ModelManifest#FILE_NAME} when present, else the directory name.
 *
 * @param id                       registry id
 * @param directory                the model directory (absolute)
 * @param textModelFile            text tower ONNX file (the combined file in the combined layout)
 * @param visionModelFile          vision tower ONNX file (the combined file in the combined layout)
 * @param tokenizerFile            {@code tokenizer.json}
 * @param preprocessorConfigFile   {@code preprocessor_config.json}
 * @param maxSequenceLength        longest text in tokens, start and end tokens included (CLIP: 77)
 * @param padTokenId               id used to pad a batch of texts, or -1 for "the tokenizer's end token"
 * @param description              one line for humans
 */
public record ClipBundle(String id, Path directory, Path textModelFile, Path visionModelFile, Path tokenizerFile,
                         Path preprocessorConfigFile, int maxSequenceLength, long padTokenId, String description)
        implements ModelBundle {

    /** CLIP's context length; used when no configuration file says otherwise. */
    public static final int DEFAULT_MAX_LENGTH = 77;
    /** Output of the text tower: one pooled, projected vector per text. */
    public static final String TEXT_EMBEDS = "text_embeds";
    /** Output of the vision tower: one pooled, projected vector per image. */
    public static final String IMAGE_EMBEDS = "image_embeds";

    public ClipBundle {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(textModelFile, "textModelFile");
        Objects.requireNonNull(visionModelFile, "visionModelFile");
        Objects.requireNonNull(tokenizerFile, "tokenizerFile");
        Objects.requireNonNull(preprocessorConfigFile, "preprocessorConfigFile");
        if (maxSequenceLength < 2) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT,
                    "maxSequenceLength of CLIP model '" + id + "' must be at least 2, got " + maxSequenceLength);
        }
        description = description == null ? "" : description;
    }

    /** Whether both towers live in one ONNX file. */
    public boolean combined() {
        return textModelFile.equals(visionModelFile);
    }

    /** The distinct ONNX files, text tower first. */
    @Override
    public List<Path> onnxFiles() {
        return combined() ? List.of(textModelFile) : List.of(textModelFile, visionModelFile);
    }

    /**
     * Whether {@code dir} holds a CLIP export (see the class comment); false for a missing directory.
     * {@link ModelBundle#load(Path, ModelBundle.Variant)} uses the same test to pick the kind.
     */
    public static boolean isClip(Path dir) {
        return ModelLayout.isClip(dir);
    }

    /** Loads the full-precision files of {@code dir}. */
    public static ClipBundle load(Path dir) {
        return load(dir, ModelBundle.Variant.FP32);
    }

    /**
     * Loads {@code dir} as a CLIP export.
     *
     * @throws MmsearchException MODEL_NOT_FOUND when the directory or a file is missing (naming it) or the
     *                           directory is not a CLIP export; INVALID_ARGUMENT for a malformed configuration
     */
    public static ClipBundle load(Path dir, ModelBundle.Variant variant) {
        return ModelLayout.clip(dir, variant);
    }

    /**
     * What {@link dev.mmsearch.inference.ModelRegistry#manifest(String)} reports for this model before it is loaded:
     * kind CLIP, no prefixes, already pooled and L2-normalised output; dimension 0 (read from the model when loaded).
     */
    @Override
    public ModelManifest manifest() {
        return new ModelManifest(id, ModelManifest.Kind.CLIP, ModelManifest.Pooling.NONE, true, maxSequenceLength,
                "", "", 0, TEXT_EMBEDS, false, description);
    }

    @Override
    public String toString() {
        List<String> files = new ArrayList<>();
        onnxFiles().forEach(f -> files.add(directory.relativize(f).toString()));
        return "ClipBundle[" + id + " " + directory + " " + files + "]";
    }
}
