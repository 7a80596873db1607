package dev.mmsearch.ingest;

import dev.mmsearch.core.Document;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.Passage;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The body of a bulk write: NDJSON (one JSON object a line) or a JSON array of objects, each a document with a string
 * {@code id} and its fields. Every element is parsed on its own, so a bad one (malformed JSON, not an object, no id,
 * invalid UTF-8, a field over the size limit) fails alone, with its position and a stable code, and the others go on.
 * A document may bring its own vector under the reserved key {@value #VECTOR} (a list of numbers: "bring your own
 * vector", as Vespa and Qdrant take it); it is not a field, and the writer stores it instead of running the model
 * (after checking its dimension). In a collection with passages a document brings its passages instead, under
 * {@value PassagesJson#KEY} ({@link PassagesJson}: offsets and one vector each), as an export of such a collection
 * holds them. Pure: no I/O.
 */
public final class BulkBody {
    /** Stable per-item error codes (the API's {@code items[].code}). */
    public static final String MALFORMED_JSON = "malformed_json";
    public static final String NOT_AN_OBJECT = "not_an_object";
    public static final String MISSING_ID = "missing_id";
    public static final String INVALID_ID = "invalid_id";
    public static final String INVALID_UTF8 = "invalid_utf8";
    public static final String FIELD_TOO_LARGE = "field_too_large";
    /**
     * {@value #VECTOR} or {@value PassagesJson#KEY} is malformed, or (checked by the writer) not of the model's
     * dimension or not what the collection holds.
     */
    public static final String INVALID_VECTOR = "invalid_vector";

    /** Reserved key of a document's own vector: a JSON list of numbers; never stored as a field. */
    public static final String VECTOR = "_vector";

    /** Longest id, in UTF-8 bytes (OpenSearch's limit, so a body means the same on both stores). */
    public static final int MAX_ID_BYTES = 512;

    /**
     * One element of the body: a document, or why it is not one.
     *
     * @param position 1-based line (NDJSON) or array index + 1 (JSON array)
     * @param id       the id when one could be read, else null
     * @param document the document, or null when {@code code} says what is wrong
     * @param vector   the document's own vector ({@value #VECTOR}), or null when the model is to embed it
     * @param passages the document's own passages ({@value PassagesJson#KEY}), or null when the model is to embed it
     * @param named    the document's own named vectors ({@value PassagesJson#NAMED_KEY}), given only with its own
     *                 vector or passages; null when none
     */
    public record Item(int position, String id, Document document, String code, String message, float[] vector,
                       List<Passage> passages, Map<String, float[]> named) {
        /** An item without a vector of its own. */
        public Item(int position, String id, Document document, String code, String message) {
            this(position, id, document, code, message, null, null, null);
        }

        static Item ok(int position, Document document, float[] vector, List<Passage> passages,
                       Map<String, float[]> named) {
            return new Item(position, document.id(), document, null, null, vector, passages, named);
        }

        /** Whether the document brought its own vector or passages (the model does not run for it). */
        public boolean embedded() {
            return vector != null || passages != null;
        }

        static Item failed(int position, String id, String code, String message) {
            return new Item(position, id, null, code, message);
        }

        public boolean ok() {
            return document != null;
        }
    }

    /**
     * @param maxDocuments    most elements a body may hold
     * @param maxFieldChars   longest string value of a field, in characters
     */
    public record Limits(int maxDocuments, int maxFieldChars) {
        public Limits {
            if (maxDocuments < 1 || maxFieldChars < 1) {
                throw new IllegalArgumentException("limits must be positive: " + maxDocuments + ", " + maxFieldChars);
            }
        }
    }

    private BulkBody() {
    }

    /**
     * Parses a bulk body.
     *
     * @param ndjson whether the body is NDJSON; otherwise a JSON array
     * @throws MmsearchException BAD_REQUEST for an empty body or a JSON array body that does not parse as an array;
     *                           PAYLOAD_TOO_LARGE when it holds more than {@code maxDocuments} elements
     */
    public static List<Item> parse(byte[] body, boolean ndjson, Limits limits) {
        if (body == null || isBlank(body)) {
            throw new MmsearchException(ErrorCode.BAD_REQUEST, "the body is empty; send one JSON document a line"
                    + " (application/x-ndjson) or a JSON array of documents, each with an \"id\"");
        }
        List<Item> items = ndjson ? parseLines(body, limits) : parseArray(body, limits);
        if (items.size() > limits.maxDocuments()) {
            throw new MmsearchException(ErrorCode.PAYLOAD_TOO_LARGE, "the body holds " + items.size()
                    + " documents, more than the " + limits.maxDocuments() + " one request may write; split it");
        }
        return items;
    }

    private static List<Item> parseLines(byte[] body, Limits limits) {
        List<Item> items = new ArrayList<>();
        int line = 0;
        int start = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i == body.length || body[i] == '\n') {
                line++;
                int end = i > start && body[i - 1] == '\r' ? i - 1 : i;
                if (end > start && !isBlank(body, start, end)) {
                    items.add(parseLine(line, body, start, end, limits));
                    if (items.size() > limits.maxDocuments()) {
                        return items; // refused as a whole by the caller; no need to read on
                    }
                }
                start = i + 1;
            }
        }
        return items;
    }

    private static Item parseLine(int line, byte[] body, int start, int end, Limits limits) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body, start, end - start)).toString();
        } catch (CharacterCodingException e) {
            return Item.failed(line, null, INVALID_UTF8, "line " + line + " is not valid UTF-8");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(text);
        } catch (JacksonException e) {
            return Item.failed(line, null, MALFORMED_JSON, "line " + line + " is not JSON: " + e.getOriginalMessage());
        }
        return document(line, "line " + line, node, limits);
    }

    private static List<Item> parseArray(byte[] body, Limits limits) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString());
        } catch (CharacterCodingException e) {
            throw new MmsearchException(ErrorCode.BAD_REQUEST, "the body is not valid UTF-8; send NDJSON"
                    + " (application/x-ndjson) to have the other documents written");
        } catch (JacksonException e) {
            throw new MmsearchException(ErrorCode.BAD_REQUEST, "the body is not a JSON array: "
                    + e.getOriginalMessage() + "; send NDJSON (application/x-ndjson) to have the other documents"
                    + " written");
        }
        if (!root.isArray()) {
            throw new MmsearchException(ErrorCode.BAD_REQUEST, "the body must be a JSON array of documents (or NDJSON),"
                    + " got a JSON " + root.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        List<Item> items = new ArrayList<>(root.size());
        for (int i = 0; i < root.size() && i <= limits.maxDocuments(); i++) {
            items.add(document(i + 1, "element " + i, root.get(i), limits));
        }
        return items;
    }

    /** One document given as a JSON object (e.g. the body of a single-document write), checked as a bulk element. */
    public static Item parseOne(JsonNode object, Limits limits) {
        return document(1, "the body", object, limits);
    }

    private static Item document(int position, String where, JsonNode node, Limits limits) {
        if (!node.isObject()) {
            return Item.failed(position, null, NOT_AN_OBJECT, where + " is a JSON "
                    + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + ", not a document object");
        }
        JsonNode idNode = node.get("id");
        if (idNode == null || idNode.isNull()) {
            return Item.failed(position, null, MISSING_ID, where + " has no \"id\"");
        }
        if (!idNode.isString() || idNode.asString().isBlank()) {
            return Item.failed(position, null, INVALID_ID, where + ": \"id\" must be a non-blank string, got "
                    + idNode);
        }
        String id = idNode.asString();
        int idBytes = id.getBytes(StandardCharsets.UTF_8).length;
        if (idBytes > MAX_ID_BYTES) {
            return Item.failed(position, null, INVALID_ID, where + ": \"id\" is " + idBytes + " bytes long, more than"
                    + " the " + MAX_ID_BYTES + " an id may have");
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        float[] vector = null;
        List<Passage> passages = null;
        Map<String, float[]> named = null;
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (field.getKey().equals("id")) {
                continue;
            }
            if (field.getKey().equals(PassagesJson.NAMED_KEY)) {
                try {
                    named = PassagesJson.parseNamed(field.getValue());
                } catch (IllegalArgumentException e) {
                    return Item.failed(position, id, INVALID_VECTOR, where + ": " + e.getMessage());
                }
                continue;
            }
            if (field.getKey().equals(PassagesJson.KEY)) {
                try {
                    passages = PassagesJson.parse(field.getValue());
                } catch (IllegalArgumentException e) {
                    return Item.failed(position, id, INVALID_VECTOR, where + ": " + e.getMessage());
                }
                continue;
            }
            if (field.getKey().equals(VECTOR)) {
                vector = PassagesJson.vector(field.getValue());
                if (vector == null) {
                    return Item.failed(position, id, INVALID_VECTOR, where + ": \"" + VECTOR + "\" must be a non-empty"
                            + " list of finite numbers, got " + excerpt(field.getValue()));
                }
                continue;
            }
            String tooLong = longString(field.getValue(), limits.maxFieldChars());
            if (tooLong != null) {
                return Item.failed(position, id, FIELD_TOO_LARGE, where + ": field '" + field.getKey() + "' holds "
                        + tooLong + " characters, more than the " + limits.maxFieldChars() + " a field may have");
            }
            fields.put(field.getKey(), Json.MAPPER.convertValue(field.getValue(), Object.class));
        }
        if (vector != null && passages != null) {
            return Item.failed(position, id, INVALID_VECTOR, where + " has both \"" + VECTOR + "\" and \""
                    + PassagesJson.KEY + "\"; send \"" + PassagesJson.KEY + "\" to a collection with passages, \""
                    + VECTOR + "\" to one without");
        }
        if (named != null && vector == null && passages == null) {
            return Item.failed(position, id, INVALID_VECTOR, where + " has \"" + PassagesJson.NAMED_KEY + "\" but no \""
                    + VECTOR + "\" (or \"" + PassagesJson.KEY + "\"): a document brings all its vectors or none");
        }
        return Item.ok(position, new Document(id, fields), vector, passages, named);
    }

    private static String excerpt(JsonNode value) {
        String text = value.toString();
        return text.length() <= 60 ? text : text.substring(0, 60) + "...";
    }

    /** The length of the first string in {@code value} longer than {@code max}, as text; null when none is. */
    private static String longString(JsonNode value, int max) {
        if (value.isString()) {
            return value.asString().length() > max ? String.valueOf(value.asString().length()) : null;
        }
        for (JsonNode child : value) {
            String found = longString(child, max);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static boolean isBlank(byte[] body) {
        return isBlank(body, 0, body.length);
    }

    private static boolean isBlank(byte[] body, int from, int to) {
        for (int i = from; i < to; i++) {
            if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r' && body[i] != '\n') {
                return false;
            }
        }
        return true;
    }
}
