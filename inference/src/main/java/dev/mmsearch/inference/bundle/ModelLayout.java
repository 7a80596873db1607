package dev.mmsearch.inference.bundle;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.inference.bundle.ModelBundle.Variant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * The one place that reads a model directory: decides whether it holds a CLIP export or a sentence encoder
 * ({@link #detect}), and finds and derives the files and manifest of each ({@link #text}, {@link #clip}).
 * The layouts are described on {@link ModelBundle}, {@link TextBundle} and {@link ClipBundle}.
 */
final class ModelLayout {

    private static final Logger LOG = LoggerFactory.getLogger(ModelLayout.class);

    private static final String ONNX_FOLDER = "onnx";
    private static final String TEXT_MODEL = "text_model";
    private static final String VISION_MODEL = "vision_model";
    private static final String COMBINED_MODEL = "model";
    private static final String PREPROCESSOR_CONFIG = "preprocessor_config.json";
    private static final String TOKENIZER_HINT = "(Hugging Face: tokenizer.save_pretrained(dir))";
    private static final int DEFAULT_TEXT_MAX_LENGTH = 512;
    /** tokenizer_config.json stores "no limit" as a huge sentinel (1e30); anything above this is ignored. */
    private static final long UNSET_MODEL_MAX_LENGTH = 1_000_000;

    private ModelLayout() {
    }

    /** A {@link ClipBundle} when {@code dir} is a CLIP export ({@link #isClip}), else a {@link TextBundle}. */
    static ModelBundle detect(Path dir, Variant variant) {
        Path directory = requireDirectory(dir, variant, "model directory ");
        return isClip(directory) ? clip(directory, variant) : text(directory, variant);
    }

    /** Whether {@code dir} holds a CLIP export (see {@link ModelBundle}); false for a missing directory. */
    static boolean isClip(Path dir) {
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

    // ---- sentence encoders -------------------------------------------------------------------------------------

    /** Loads {@code dir} as a sentence encoder; see {@link TextBundle#load(Path, Variant)}. */
    static TextBundle text(Path dir, Variant variant) {
        Path directory = requireDirectory(dir, variant, "model directory ");
        if (isClip(directory)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "model directory " + directory + " holds a CLIP "
                    + "model (text and vision towers), not a sentence encoder; register it with "
                    + "ModelRegistry.register or open it with ClipModel.open");
        }
        Path modelFile = findModelFile(directory, variant);
        Path tokenizerFile = directory.resolve(ModelBundle.TOKENIZER_FILE);
        if (!Files.isRegularFile(tokenizerFile)) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "missing file " + ModelBundle.TOKENIZER_FILE
                    + " in model directory " + directory + "; export the tokenizer next to the ONNX file "
                    + TOKENIZER_HINT);
        }
        ModelManifest derived = deriveManifest(directory, variant);
        Path manifestFile = directory.resolve(ModelManifest.FILE_NAME);
        ModelManifest manifest = Files.isRegularFile(manifestFile)
                ? ModelManifest.fromJson(ModelManifest.readJsonObject(manifestFile), derived, manifestFile)
                : derived;
        LOG.debug("model bundle dir={} id={} onnx={} pooling={} maxLength={}", directory, manifest.id(),
                directory.relativize(modelFile), manifest.pooling(), manifest.maxSequenceLength());
        return new TextBundle(manifest, modelFile, tokenizerFile, null);
    }

    private static Path findModelFile(Path directory, Variant variant) {
        String name = variant == Variant.FP32 ? "model.onnx" : "model_quantized.onnx";
        Optional<Path> found = find(directory, name);
        if (found.isPresent()) {
            return found.get();
        }
        String tried = candidates(directory, name).stream().map(p -> directory.relativize(p).toString())
                .collect(Collectors.joining(" or "));
        String hint = variant == Variant.FP32 && find(directory, "model_quantized.onnx").isPresent()
                ? "; only model_quantized.onnx is there: load the quantized variant"
                : "; export the model to ONNX first (e.g. optimum-cli export onnx)";
        throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND,
                "missing file " + tried + " in model directory " + directory + hint);
    }

    /** Everything that can be learnt from the Hugging Face configuration files that are present. */
    private static ModelManifest deriveManifest(Path directory, Variant variant) {
        Optional<JsonNode> config = optionalJson(directory.resolve("config.json"));
        Optional<JsonNode> sentenceBert = optionalJson(directory.resolve("sentence_bert_config.json"));
        Optional<JsonNode> tokenizerConfig = optionalJson(directory.resolve("tokenizer_config.json"));
        Optional<JsonNode> stConfig = optionalJson(directory.resolve("config_sentence_transformers.json"));
        Optional<JsonNode> pooling = optionalJson(directory.resolve(poolingDirectory(directory)).resolve("config.json"));

        int maxPositions = config.map(c -> c.path("max_position_embeddings").asInt(0)).orElse(0);
        String modelType = config.map(c -> c.path("model_type").asString("")).orElse("");
        if (maxPositions > 2 && (modelType.contains("roberta") || modelType.equals("camembert"))) {
            maxPositions -= 2; // RoBERTa-style position ids start at padding_idx + 1
        }
        int maxLength = sentenceBert.map(s -> s.path("max_seq_length").asInt(0)).filter(n -> n > 0)
                .or(() -> tokenizerConfig.map(t -> t.path("model_max_length").asLong(0))
                        .filter(n -> n > 0 && n < UNSET_MODEL_MAX_LENGTH).map(Long::intValue))
                .orElse(maxPositions > 0 ? maxPositions : DEFAULT_TEXT_MAX_LENGTH);
        if (maxPositions > 0 && maxLength > maxPositions) {
            maxLength = maxPositions;
        }

        int dimension = pooling.map(p -> p.path("word_embedding_dimension").asInt(0)).filter(n -> n > 0)
                .or(() -> config.map(c -> c.path("hidden_size").asInt(0)).filter(n -> n > 0))
                .orElse(0);

        ModelManifest.Pooling poolingMode;
        if (pooling.isPresent() && pooling.get().path("pooling_mode_cls_token").asBoolean(false)) {
            poolingMode = ModelManifest.Pooling.CLS;
        } else {
            poolingMode = ModelManifest.Pooling.MEAN;
        }
        // Warn only when nothing says how to pool: an mmsearch-model.json "pooling" overrides this default.
        boolean manifestSetsPooling = optionalJson(directory.resolve(ModelManifest.FILE_NAME))
                .map(m -> m.has("pooling")).orElse(false);
        if (poolingMode == ModelManifest.Pooling.MEAN && !manifestSetsPooling && (pooling.isEmpty()
                || !pooling.get().path("pooling_mode_mean_tokens").asBoolean(false))) {
            LOG.warn("no pooling configuration (1_Pooling/config.json or {}) in model directory {}; using mean pooling",
                    ModelManifest.FILE_NAME, directory);
        }

        boolean lowercase = sentenceBert.map(s -> s.path("do_lower_case").asBoolean(false)).orElse(false)
                || tokenizerConfig.map(t -> t.path("do_lower_case").asBoolean(false)).orElse(false);

        JsonNode prompts = stConfig.map(s -> s.path("prompts")).orElse(null);
        String queryPrefix = prompts == null ? "" : prompts.path("query").asString("");
        String documentPrefix = "";
        if (prompts != null) {
            for (String key : List.of("document", "passage", "corpus", "text")) {
                if (prompts.path(key).isString()) {
                    documentPrefix = prompts.path(key).stringValue();
                    break;
                }
            }
        }

        String id = directoryId(directory, "model") + (variant == Variant.QUANTIZED ? "-q" : "");
        return new ModelManifest(id, ModelManifest.Kind.TEXT_ENCODER, poolingMode, true, maxLength, queryPrefix,
                documentPrefix, dimension, ModelManifest.TOKEN_OUTPUT, lowercase,
                "model directory " + directory + (variant == Variant.QUANTIZED ? " (quantized)" : ""));
    }

    private static Path poolingDirectory(Path directory) {
        Path modulesFile = directory.resolve("modules.json");
        Optional<JsonNode> modules = Files.isRegularFile(modulesFile)
                ? Optional.of(ModelManifest.readJson(modulesFile)) : Optional.empty();
        if (modules.isPresent() && modules.get().isArray()) {
            for (JsonNode module : modules.get()) {
                if (module.path("type").asString("").endsWith(".Pooling") && module.path("path").isString()) {
                    return Path.of(module.path("path").stringValue());
                }
            }
        }
        return Path.of("1_Pooling");
    }

    // ---- CLIP ----------------------------------------------------------------------------------------------------

    /** Loads {@code dir} as a CLIP export; see {@link ClipBundle#load(Path, Variant)}. */
    static ClipBundle clip(Path dir, Variant variant) {
        Path directory = requireDirectory(dir, variant, "CLIP model directory ");
        String suffix = variant == Variant.QUANTIZED ? "_quantized.onnx" : ".onnx";
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
        Path tokenizer = requireClipFile(directory, ModelBundle.TOKENIZER_FILE, "export the tokenizer next to the "
                + "ONNX files " + TOKENIZER_HINT);
        Path preprocessor = requireClipFile(directory, PREPROCESSOR_CONFIG, "export the image processor next to the "
                + "ONNX files (Hugging Face: CLIPImageProcessor.save_pretrained(dir))");

        Optional<JsonNode> manifest = optionalJson(directory.resolve(ModelManifest.FILE_NAME));
        Optional<JsonNode> config = optionalJson(directory.resolve("config.json"));
        Optional<JsonNode> tokenizerConfig = optionalJson(directory.resolve("tokenizer_config.json"));
        int maxPositions = config.map(c -> c.path("text_config").path("max_position_embeddings").asInt(0)).orElse(0);
        int maxLength = manifest.map(m -> m.path("maxSequenceLength").asInt(0)).filter(n -> n > 0)
                .or(() -> tokenizerConfig.map(t -> t.path("model_max_length").asLong(0))
                        .filter(n -> n > 1 && n < UNSET_MODEL_MAX_LENGTH).map(Long::intValue))
                .orElse(maxPositions > 1 ? maxPositions : ClipBundle.DEFAULT_MAX_LENGTH);
        if (maxPositions > 1 && maxLength > maxPositions) {
            maxLength = maxPositions;
        }
        long padId = config.map(c -> c.path("text_config").path("pad_token_id"))
                .filter(JsonNode::isIntegralNumber).map(JsonNode::asLong).orElse(-1L);
        String baseId = manifest.map(m -> m.path("id").asString("")).filter(s -> !s.isBlank())
                .orElseGet(() -> directoryId(directory, "clip"));
        String id = baseId + (variant == Variant.QUANTIZED ? "-q" : "");
        String description = manifest.map(m -> m.path("description").asString("")).filter(s -> !s.isBlank())
                .orElse("CLIP model directory " + directory + (variant == Variant.QUANTIZED ? " (quantized)" : ""));
        return new ClipBundle(id, directory, textFile, visionFile, tokenizer, preprocessor, maxLength, padId,
                description);
    }

    private static Path requireClipFile(Path dir, String name, String hint) {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "missing file " + name + " in CLIP model directory "
                    + dir + "; " + hint);
        }
        return file;
    }

    // ---- shared --------------------------------------------------------------------------------------------------

    /** {@code dir} as an absolute, normalised path; MODEL_NOT_FOUND ("{@code what} ... does not exist") otherwise. */
    private static Path requireDirectory(Path dir, Variant variant, String what) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(variant, "variant");
        Path directory = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(directory)) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, what + directory
                    + " does not exist or is not a directory");
        }
        return directory;
    }

    /** Where an export may put an ONNX file: the directory itself, then its {@code onnx/} folder. */
    private static List<Path> candidates(Path dir, String name) {
        return List.of(dir.resolve(name), dir.resolve(ONNX_FOLDER).resolve(name));
    }

    private static Optional<Path> find(Path dir, String name) {
        return candidates(dir, name).stream().filter(Files::isRegularFile).findFirst();
    }

    private static Optional<JsonNode> optionalJson(Path file) {
        return Files.isRegularFile(file) ? Optional.of(ModelManifest.readJsonObject(file)) : Optional.empty();
    }

    /** The directory's name as an id (characters other than letters, digits, '.', '_', '-' become '-'). */
    private static String directoryId(Path directory, String fallback) {
        String name = directory.getFileName() == null ? fallback : directory.getFileName().toString();
        String id = name.replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("^[^A-Za-z0-9]+", "");
        return id.isEmpty() ? fallback : id;
    }
}
