package dev.mmsearch.inference;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.inference.clip.ClipBundle;
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
 * The files of one model on disk: its ONNX file, its {@code tokenizer.json} and the manifest that
 * says how to use them.
 *
 * <p>{@link #load(Path)} reads a directory in any of these layouts, with no hand editing:
 * <ul>
 *   <li>an mmsearch bundle: {@code model.onnx}, {@code tokenizer.json}, {@value ModelManifest#FILE_NAME};</li>
 *   <li>a Hugging Face / Optimum / Xenova export: {@code model.onnx} or {@code onnx/model.onnx}
 *       ({@code model_quantized.onnx} with {@link Variant#QUANTIZED}), {@code tokenizer.json}, and when
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
public record ModelBundle(ModelManifest manifest, Path modelFile, Path tokenizerFile, String modelSha256) {

    private static final Logger LOG = LoggerFactory.getLogger(ModelBundle.class);

    /** Which ONNX file of an export to use. */
    public enum Variant {
        /** {@code model.onnx}: full precision, exact. */
        FP32,
        /** {@code model_quantized.onnx}: int8 weights, ~4x smaller and ~2x faster, vectors slightly off. */
        QUANTIZED
    }

    static final String TOKENIZER_FILE = "tokenizer.json";
    private static final int DEFAULT_MAX_LENGTH = 512;
    /** tokenizer_config.json stores "no limit" as a huge sentinel (1e30); anything above this is ignored. */
    private static final long UNSET_MODEL_MAX_LENGTH = 1_000_000;

    public ModelBundle {
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(modelFile, "modelFile");
        Objects.requireNonNull(tokenizerFile, "tokenizerFile");
    }

    /** Same files, another manifest (e.g. a different id or maximum length). */
    public ModelBundle withManifest(ModelManifest newManifest) {
        return new ModelBundle(newManifest, modelFile, tokenizerFile, modelSha256);
    }

    /** Loads the full-precision model of {@code dir}; see the class comment for the layouts read. */
    public static ModelBundle load(Path dir) {
        return load(dir, Variant.FP32);
    }

    /**
     * Loads {@code dir}.
     *
     * @throws MmsearchException MODEL_NOT_FOUND naming the missing file and the directory;
     *                           INVALID_ARGUMENT when a configuration file is malformed
     */
    public static ModelBundle load(Path dir, Variant variant) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(variant, "variant");
        Path directory = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(directory)) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "model directory " + directory
                    + " does not exist or is not a directory");
        }
        if (ClipBundle.isClip(directory)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "model directory " + directory + " holds a CLIP "
                    + "model (text and vision towers), not a sentence encoder; register it with "
                    + "ModelRegistry.register or open it with ClipModel.open");
        }
        Path modelFile = findModelFile(directory, variant);
        Path tokenizerFile = directory.resolve(TOKENIZER_FILE);
        if (!Files.isRegularFile(tokenizerFile)) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "missing file " + TOKENIZER_FILE
                    + " in model directory " + directory + "; export the tokenizer next to the ONNX file "
                    + "(Hugging Face: tokenizer.save_pretrained(dir))");
        }
        ModelManifest derived = deriveManifest(directory, variant);
        Path manifestFile = directory.resolve(ModelManifest.FILE_NAME);
        ModelManifest manifest = Files.isRegularFile(manifestFile)
                ? ModelManifest.fromJson(ModelManifest.readJsonObject(manifestFile), derived, manifestFile)
                : derived;
        LOG.debug("model bundle dir={} id={} onnx={} pooling={} maxLength={}", directory, manifest.id(),
                directory.relativize(modelFile), manifest.pooling(), manifest.maxSequenceLength());
        return new ModelBundle(manifest, modelFile, tokenizerFile, null);
    }

    private static Path findModelFile(Path directory, Variant variant) {
        String name = variant == Variant.FP32 ? "model.onnx" : "model_quantized.onnx";
        List<Path> candidates = List.of(directory.resolve(name), directory.resolve("onnx").resolve(name));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        String tried = candidates.stream().map(p -> directory.relativize(p).toString())
                .collect(Collectors.joining(" or "));
        String hint = variant == Variant.FP32 && hasFile(directory, "model_quantized.onnx")
                ? "; only model_quantized.onnx is there: load the quantized variant"
                : "; export the model to ONNX first (e.g. optimum-cli export onnx)";
        throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND,
                "missing file " + tried + " in model directory " + directory + hint);
    }

    private static boolean hasFile(Path directory, String name) {
        return Files.isRegularFile(directory.resolve(name)) || Files.isRegularFile(directory.resolve("onnx").resolve(name));
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
                .orElse(maxPositions > 0 ? maxPositions : DEFAULT_MAX_LENGTH);
        if (maxPositions > 0 && maxLength > maxPositions) {
            maxLength = maxPositions;
        }

        int dimension = pooling.map(p -> p.path("word_embedding_dimension").asInt(0)).filter(n -> n > 0)
                .or(() -> config.map(c -> c.path("hidden_size").asInt(0)).filter(n -> n > 0))
                .orElse(0);

        ModelManifest.Pooling poolingMode;
        if (pooling.isPresent() && pooling.get().path("pooling_mode_cls_token").asBoolean(false)) {
            poolingMode = ModelManifest.Pooling.CLS;
        } else if (pooling.isPresent() && pooling.get().path("pooling_mode_mean_tokens").asBoolean(false)) {
            poolingMode = ModelManifest.Pooling.MEAN;
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

        String id = sanitizeId(directory.getFileName() == null ? "model" : directory.getFileName().toString())
                + (variant == Variant.QUANTIZED ? "-q" : "");
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

    private static Optional<JsonNode> optionalJson(Path file) {
        return Files.isRegularFile(file) ? Optional.of(ModelManifest.readJsonObject(file)) : Optional.empty();
    }

    private static String sanitizeId(String name) {
        String id = name.replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("^[^A-Za-z0-9]+", "");
        return id.isEmpty() ? "model" : id;
    }
}
