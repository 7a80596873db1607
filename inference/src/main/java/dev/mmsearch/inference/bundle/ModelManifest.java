package dev.mmsearch.inference.bundle;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the serving code needs to know about a model besides its ONNX and tokenizer files: how to
 * pool and normalise the output, how long an input may be, and which prefixes the model was
 * trained with. Stored as {@value #FILE_NAME} in a model bundle, or derived from a Hugging Face
 * export (see {@link TextBundle#load(Path)}).
 *
 * @param id                registry id, e.g. {@code bge-small-en-v1.5}
 * @param kind              what the model does
 * @param pooling           how token vectors become one vector
 * @param normalize         whether vectors are L2-normalised (cosine similarity = dot product)
 * @param maxSequenceLength longest input in tokens, special tokens included; longer input is truncated
 * @param queryPrefix       prepended to every query (bge: an instruction, e5: {@code "query: "}); never null
 * @param documentPrefix    prepended to every document (e5: {@code "passage: "}); never null
 * @param dimension         embedding dimension; 0 means "read it from the ONNX output shape when loading"
 * @param outputName        ONNX output to read: {@code last_hidden_state} (token vectors, pooled here) or
 *                          an already pooled output such as {@code sentence_embedding} (use {@link Pooling#NONE})
 * @param lowercase         lower-case text before tokenizing; for tokenizers whose normaliser does not
 *                          (bge-small-zh: capitalised English words would otherwise become {@code [UNK]})
 * @param description       one line for humans; never null
 */
public record ModelManifest(
        String id,
        Kind kind,
        Pooling pooling,
        boolean normalize,
        int maxSequenceLength,
        String queryPrefix,
        String documentPrefix,
        int dimension,
        String outputName,
        boolean lowercase,
        String description) {

    /** File name of the manifest inside a bundle directory. */
    public static final String FILE_NAME = "mmsearch-model.json";

    /** Output of a transformer export that holds one vector per token. */
    public static final String TOKEN_OUTPUT = "last_hidden_state";

    /** What kind of model a bundle holds. */
    public enum Kind {
        /** A text-only sentence encoder (one ONNX file). */
        TEXT_ENCODER,
        /** A CLIP-style two-tower model: text and image encoders into one space (see {@link ClipBundle}). */
        CLIP,
        /**
         * A text-only sentence encoder trained into the space of one CLIP model (e.g. a multilingual
         * student of CLIP's text tower); its manifest names that model in {@code "alignedTo"} and it searches
         * that model's image vectors (see {@code dev.mmsearch.inference.clip.ClipAlignment}).
         */
        ALIGNED_TEXT_ENCODER
    }

    /** How per-token vectors become one embedding. */
    public enum Pooling {
        /** The first token's vector ({@code [CLS]}); bge. */
        CLS,
        /** Mean of the token vectors weighted by the attention mask; sentence-transformers, e5. */
        MEAN,
        /** The output already is one vector per input (e.g. {@code sentence_embedding}). */
        NONE
    }

    public ModelManifest {
        requireArgument(id != null && !id.isBlank(), "model id must not be blank");
        requireArgument(id.matches("[A-Za-z0-9][A-Za-z0-9._-]*"),
                "model id '" + id + "' may only contain letters, digits, '.', '_' and '-'");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(pooling, "pooling");
        requireArgument(maxSequenceLength >= 2,
                "maxSequenceLength of model '" + id + "' must be at least 2 (room for the special tokens), got "
                        + maxSequenceLength);
        requireArgument(dimension >= 0, "dimension of model '" + id + "' must not be negative: " + dimension);
        requireArgument(outputName != null && !outputName.isBlank(), "outputName of model '" + id + "' must not be blank");
        queryPrefix = queryPrefix == null ? "" : queryPrefix;
        documentPrefix = documentPrefix == null ? "" : documentPrefix;
        description = description == null ? "" : description;
    }

    /** Prefix for the given side. */
    public String prefix(TextSide side) {
        return side == TextSide.QUERY ? queryPrefix : documentPrefix;
    }

    public ModelManifest withId(String newId) {
        return new ModelManifest(newId, kind, pooling, normalize, maxSequenceLength, queryPrefix, documentPrefix,
                dimension, outputName, lowercase, description);
    }

    public ModelManifest withDimension(int newDimension) {
        return new ModelManifest(id, kind, pooling, normalize, maxSequenceLength, queryPrefix, documentPrefix,
                newDimension, outputName, lowercase, description);
    }

    public ModelManifest withLowercase(boolean newLowercase) {
        return new ModelManifest(id, kind, pooling, normalize, maxSequenceLength, queryPrefix, documentPrefix,
                dimension, outputName, newLowercase, description);
    }

    public ModelManifest withMaxSequenceLength(int newMaxSequenceLength) {
        return new ModelManifest(id, kind, pooling, normalize, newMaxSequenceLength, queryPrefix, documentPrefix,
                dimension, outputName, lowercase, description);
    }

    /** Writes this manifest as JSON (pretty-printed) to {@code file}. */
    public void write(Path file) throws IOException {
        Files.writeString(file, toJsonString(), StandardCharsets.UTF_8);
    }

    /** This manifest as pretty-printed JSON text, ending with a newline. */
    public String toJsonString() {
        return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(toJson()) + "\n";
    }

    /** This manifest as a JSON object with the field names of the record. */
    public ObjectNode toJson() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("id", id);
        node.put("kind", kind.name());
        node.put("pooling", pooling.name());
        node.put("normalize", normalize);
        node.put("maxSequenceLength", maxSequenceLength);
        node.put("queryPrefix", queryPrefix);
        node.put("documentPrefix", documentPrefix);
        node.put("dimension", dimension);
        node.put("outputName", outputName);
        node.put("lowercase", lowercase);
        node.put("description", description);
        return node;
    }

    /**
     * Reads a complete manifest file.
     *
     * @throws MmsearchException MODEL_NOT_FOUND when the file is missing, INVALID_ARGUMENT when it is
     *                           not valid JSON or a field is missing or has the wrong type
     */
    public static ModelManifest read(Path file) {
        JsonNode node = readJsonObject(file);
        return fromJson(node, null, file);
    }

    /**
     * Builds a manifest from a JSON object; fields absent from {@code node} are taken from
     * {@code defaults} (which may be null: then they are required).
     */
    static ModelManifest fromJson(JsonNode node, ModelManifest defaults, Path source) {
        boolean complete = defaults == null;
        String id = text(node, "id", complete ? null : defaults.id(), source);
        Kind kind = enumValue(node, "kind", Kind.class, complete ? Kind.TEXT_ENCODER : defaults.kind(), source);
        Pooling pooling = enumValue(node, "pooling", Pooling.class, complete ? null : defaults.pooling(), source);
        boolean normalize = bool(node, "normalize", complete ? Boolean.TRUE : defaults.normalize(), source);
        int maxSequenceLength = integer(node, "maxSequenceLength",
                complete ? null : defaults.maxSequenceLength(), source);
        String queryPrefix = text(node, "queryPrefix", complete ? "" : defaults.queryPrefix(), source);
        String documentPrefix = text(node, "documentPrefix", complete ? "" : defaults.documentPrefix(), source);
        int dimension = integer(node, "dimension", complete ? 0 : defaults.dimension(), source);
        String outputName = text(node, "outputName", complete ? TOKEN_OUTPUT : defaults.outputName(), source);
        boolean lowercase = bool(node, "lowercase", complete ? Boolean.FALSE : defaults.lowercase(), source);
        String description = text(node, "description", complete ? "" : defaults.description(), source);
        try {
            return new ModelManifest(id, kind, pooling, normalize, maxSequenceLength, queryPrefix, documentPrefix,
                    dimension, outputName, lowercase, description);
        } catch (MmsearchException e) {
            throw invalid(source, e.getMessage());
        }
    }

    static JsonNode readJsonObject(Path file) {
        JsonNode node = readJson(file);
        if (!node.isObject()) {
            throw invalid(file, "expected a JSON object");
        }
        return node;
    }

    static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND,
                    "missing file " + file.getFileName() + " in model directory " + file.toAbsolutePath().getParent());
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(file);
        } catch (JacksonException e) {
            throw invalid(file, "not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw invalid(file, "empty file");
        }
        return node;
    }

    private static MmsearchException invalid(Path source, String what) {
        return new MmsearchException(ErrorCode.INVALID_ARGUMENT, source + ": " + what);
    }

    private static void requireArgument(boolean condition, String message) {
        if (!condition) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, message);
        }
    }

    private static JsonNode field(JsonNode node, String name, Object fallback, Path source) {
        JsonNode value = node.get(name);
        if ((value == null || value.isNull()) && fallback == null) {
            throw invalid(source, "missing field '" + name + "'");
        }
        return value == null || value.isNull() ? null : value;
    }

    private static String text(JsonNode node, String name, String fallback, Path source) {
        JsonNode value = field(node, name, fallback, source);
        if (value == null) {
            return fallback;
        }
        if (!value.isString()) {
            throw invalid(source, "field '" + name + "' must be a string, got " + value);
        }
        return value.stringValue();
    }

    private static boolean bool(JsonNode node, String name, Boolean fallback, Path source) {
        JsonNode value = field(node, name, fallback, source);
        if (value == null) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw invalid(source, "field '" + name + "' must be true or false, got " + value);
        }
        return value.booleanValue();
    }

    private static int integer(JsonNode node, String name, Integer fallback, Path source) {
        JsonNode value = field(node, name, fallback, source);
        if (value == null) {
            return fallback;
        }
        if (!value.isInt()) {
            throw invalid(source, "field '" + name + "' must be an integer, got " + value);
        }
        return value.intValue();
    }

    private static <E extends Enum<E>> E enumValue(JsonNode node, String name, Class<E> type, E fallback,
                                                   Path source) {
        JsonNode value = field(node, name, fallback, source);
        if (value == null) {
            return fallback;
        }
        String allowed = Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        if (value.isString()) {
            String wanted = value.stringValue().trim().replace('-', '_');
            for (E constant : type.getEnumConstants()) {
                if (constant.name().equalsIgnoreCase(wanted)) {
                    return constant;
                }
            }
        }
        throw invalid(source, "field '" + name + "' must be one of " + allowed + ", got " + value);
    }
}
