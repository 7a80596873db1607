package dev.mmsearch.inference.clip;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.inference.bundle.ModelManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Which CLIP model a text-only encoder of kind {@link ModelManifest.Kind#ALIGNED_TEXT_ENCODER} was trained
 * into, as written in its {@value ModelManifest#FILE_NAME}:
 * <pre>{@code "alignedTo": {"id": "tiny-clip", "checksum": "<SHA-256 of the CLIP model's stamp>"}}</pre>
 * The checksum is the CLIP model's {@link dev.mmsearch.core.ModelStamp#checksum()} (SHA-256 over its ONNX
 * files, text tower first). The aligned encoder reports that CLIP model's stamp, and so may search its image
 * collections, only while the registry holds a CLIP model with this id and exactly this checksum.
 *
 * @param clipModelId  registry id of the CLIP model
 * @param clipChecksum SHA-256 (64 lower-case hex digits) of that model's ONNX files
 */
public record ClipAlignment(String clipModelId, String clipChecksum) {

    /** Field of {@value ModelManifest#FILE_NAME} that holds the alignment. */
    public static final String FIELD = "alignedTo";

    public ClipAlignment {
        if (clipModelId == null || clipModelId.isBlank()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "the CLIP model id of an alignment must not be blank");
        }
        Objects.requireNonNull(clipChecksum, "clipChecksum");
        clipChecksum = clipChecksum.toLowerCase(Locale.ROOT);
        if (!clipChecksum.matches("[0-9a-f]{64}")) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "the checksum of CLIP model '" + clipModelId
                    + "' must be a SHA-256 in hex (64 digits), got '" + clipChecksum + "'");
        }
    }

    /**
     * Reads {@code "alignedTo"} from a model directory's {@value ModelManifest#FILE_NAME}.
     *
     * @throws MmsearchException MODEL_NOT_FOUND when the manifest is missing; INVALID_ARGUMENT when it is not
     *                           valid JSON or {@code "alignedTo"} is missing or malformed (the message shows the
     *                           expected form)
     */
    public static ClipAlignment read(Path modelDirectory) {
        Path file = modelDirectory.resolve(ModelManifest.FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "missing file " + ModelManifest.FILE_NAME
                    + " in model directory " + modelDirectory + "; an aligned text encoder must name its CLIP model there");
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(file);
        } catch (JacksonException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, file + ": not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode node = root == null ? null : root.get(FIELD);
        String expected = "\"" + FIELD + "\": {\"id\": \"<CLIP model id>\", \"checksum\": \"<SHA-256 of that CLIP "
                + "model's ONNX files, as in its collections' model stamp>\"}";
        if (node == null || !node.isObject() || !node.path("id").isString() || !node.path("checksum").isString()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, file + ": a model of kind "
                    + ModelManifest.Kind.ALIGNED_TEXT_ENCODER.name().toLowerCase(Locale.ROOT) + " needs " + expected
                    + (node == null ? "" : "; got " + node));
        }
        try {
            return new ClipAlignment(node.get("id").stringValue(), node.get("checksum").stringValue());
        } catch (MmsearchException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, file + ": " + e.getMessage());
        }
    }

    /** Short form for messages: {@code tiny-clip (sha256:1a2b3c4d5e6f)}. */
    public String describe() {
        return clipModelId + " (sha256:" + clipChecksum.substring(0, 12) + ")";
    }
}
