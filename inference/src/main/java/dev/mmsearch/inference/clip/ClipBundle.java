package dev.mmsearch.inference.clip;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.inference.ModelBundle;
import dev.mmsearch.inference.ModelManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

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
                         Path preprocessorConfigFile, int maxSequenceLength, long padTokenId, String description) {

    static final String TEXT_MODEL = "text_model";
    static final String VISION_MODEL = "vision_model";
    static final String COMBINED_MODEL = "model";
    static final String TOKENIZER = "tokenizer.json";
    static final String PREPROCESSOR_CONFIG = "preprocessor_config.json";
    /** CLIP's context length; used when no configuration file says otherwise. */
    public static final int DEFAULT_MAX_LENGTH = 77;

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
    public List<Path> onnxFiles() {
        return combined() ? List.of(textModelFile) : List.of(textModelFile, visionModelFile);
    }

    /**
     * Whether {@code dir} holds a CLIP export (see the class comment); false for a missing directory.
     * Used by {@link dev.mmsearch.inference.ModelRegistry#register(Path)} to pick the loader.
     */
    public static boolean isClip(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            return false;
        }
        for (String tower : List.of(TEXT_MODEL, VISION_MODEL)) {
            for (String suffix : List.of(".onnx", "_quantized.onnx")) {
                if (find(dir, tower + suffix).isPresent()) {
                    return true;
                }
            }
        }
        return declaresClip(dir);
    }

    private static boolean declaresClip(Path dir) {
        Optional<JsonNode> manifest = optionalJson(dir.resolve(ModelManifest.FILE_NAME));
        if (manifest.isPresent()) {
            String kind = manifest.get().path("kind").asString("");
            if (!kind.isEmpty()) {
                return kind.equalsIgnoreCase("clip");
            }
        }
        return optionalJson(dir.resolve("config.json"))
                .map(c -> c.path("model_type").asString("").equalsIgnoreCase("clip"))
                .orElse(false);
    }

    /** Loads the full-precision files of {@code dir}. */
    public static ClipBundle load(Path dir) {
        return load(dir, ModelBundle.Variant.FP32);
    }

    /**
     * Loads {@code dir}.
     *
     * @throws MmsearchException MODEL_NOT_FOUND when the directory or a file is missing (naming it) or the
     *                           directory is not a CLIP export; INVALID_ARGUMENT for a malformed configuration
     */
    public static ClipBundle load(Path dir, ModelBundle.Variant variant) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(variant, "variant");
        Path directory = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(directory)) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "CLIP model directory " + directory
                    + " does not exist or is not a directory");
        }
        String suffix = variant == ModelBundle.Variant.QUANTIZED ? "_quantized.onnx" : ".onnx";
        Optional<Path> text = find(directory, TEXT_MODEL + suffix);
        Optional<Path> vision = find(directory, VISION_MODEL + suffix);
        Optional<Path> combined = find(directory, COMBINED_MODEL + suffix);
        Path textFile;
        Path visionFile;
        if (text.isPresent() && vision.isPresent()) {
            textFile = text.get();
            visionFile = vision.get();
        } else if (text.isPresent() || vision.isPresent()) {
            String missing = text.isPresent() ? VISION_MODEL + suffix : TEXT_MODEL + suffix;
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "missing file " + missing + " (or onnx/" + missing
                    + ") in CLIP model directory " + directory + "; a CLIP export needs both towers, "
                    + "or one combined " + COMBINED_MODEL + suffix);
        } else if (combined.isPresent() && declaresClip(directory)) {
            textFile = combined.get();
            visionFile = combined.get();
        } else {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "model directory " + directory
                    + " is not a CLIP export: expected text_model" + suffix + " + vision_model" + suffix
                    + " (directly or under onnx/), or model" + suffix + " with config.json \"model_type\": \"clip\"; "
                    + "export one with optimum-cli export onnx --model openai/clip-vit-base-patch32");
        }
        Path tokenizer = requireFile(directory, TOKENIZER, "export the tokenizer next to the ONNX files "
                + "(Hugging Face: tokenizer.save_pretrained(dir))");
        Path preprocessor = requireFile(directory, PREPROCESSOR_CONFIG, "export the image processor next to the "
                + "ONNX files (Hugging Face: CLIPImageProcessor.save_pretrained(dir))");

        Optional<JsonNode> manifest = optionalJson(directory.resolve(ModelManifest.FILE_NAME));
        Optional<JsonNode> config = optionalJson(directory.resolve("config.json"));
        Optional<JsonNode> tokenizerConfig = optionalJson(directory.resolve("tokenizer_config.json"));
        int maxPositions = config.map(c -> c.path("text_config").path("max_position_embeddings").asInt(0)).orElse(0);
        int maxLength = manifest.map(m -> m.path("maxSequenceLength").asInt(0)).filter(n -> n > 0)
                .or(() -> tokenizerConfig.map(t -> t.path("model_max_length").asLong(0))
                        .filter(n -> n > 1 && n < 1_000_000).map(Long::intValue))
                .orElse(maxPositions > 1 ? maxPositions : DEFAULT_MAX_LENGTH);
        if (maxPositions > 1 && maxLength > maxPositions) {
            maxLength = maxPositions;
        }
        long padId = config.map(c -> c.path("text_config").path("pad_token_id"))
                .filter(JsonNode::isIntegralNumber).map(JsonNode::asLong).orElse(-1L);
        String baseId = manifest.map(m -> m.path("id").asString("")).filter(s -> !s.isBlank())
                .orElseGet(() -> sanitizeId(directory.getFileName() == null ? "clip" : directory.getFileName().toString()));
        String id = baseId + (variant == ModelBundle.Variant.QUANTIZED ? "-q" : "");
        String description = manifest.map(m -> m.path("description").asString("")).filter(s -> !s.isBlank())
                .orElse("CLIP model directory " + directory + (variant == ModelBundle.Variant.QUANTIZED ? " (quantized)" : ""));
        return new ClipBundle(id, directory, textFile, visionFile, tokenizer, preprocessor, maxLength, padId,
                description);
    }

    /**
     * What {@link dev.mmsearch.inference.ModelRegistry#manifest(String)} reports for this model: kind CLIP,
     * no prefixes, already pooled and L2-normalised output; dimension 0 (read from the model when loaded).
     */
    public ModelManifest manifest() {
        return new ModelManifest(id, ModelManifest.Kind.CLIP, ModelManifest.Pooling.NONE, true, maxSequenceLength,
                "", "", 0, ClipModel.TEXT_EMBEDS, false, description);
    }

    private static Optional<Path> find(Path dir, String name) {
        for (Path candidate : List.of(dir.resolve(name), dir.resolve("onnx").resolve(name))) {
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static Path requireFile(Path dir, String name, String hint) {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "missing file " + name + " in CLIP model directory "
                    + dir + "; " + hint);
        }
        return file;
    }

    private static Optional<JsonNode> optionalJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode node = Json.MAPPER.readTree(file);
            if (node == null || !node.isObject()) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, file + ": expected a JSON object");
            }
            return Optional.of(node);
        } catch (JacksonException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, file + ": not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static String sanitizeId(String name) {
        String id = name.replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("^[^A-Za-z0-9]+", "");
        return id.isEmpty() ? "clip" : id;
    }

    @Override
    public String toString() {
        List<String> files = new ArrayList<>();
        onnxFiles().forEach(f -> files.add(directory.relativize(f).toString()));
        return "ClipBundle[" + id + " " + directory + " " + files + "]";
    }
}
