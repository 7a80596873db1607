package dev.mmsearch.core;

import com.fasterxml.jackson.annotation.JsonValue;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * How one embedded text field of a collection is split into passages, each embedded on its own (as Elasticsearch's
 * {@code semantic_text} chunking and Vespa's multi-vector fields do), so that a document longer than the model's
 * token limit is searched in full instead of cut at the limit. Fixed when the collection is created.
 *
 * <p>Passages are windows of whole sentences, packed up to {@code window} tokens of the collection's model; a
 * sentence longer than a window is cut at word boundaries. Each passage is embedded through the schema's embed
 * template with the field replaced by the passage (so a title in the template is embedded with every passage), and
 * the next passage starts with the last sentences of the previous one worth at most {@code overlap} tokens. A
 * document's dense score is that of its best passage.
 *
 * @param field       the text field to split; it must be named by the embed template
 * @param window      most tokens of the field per passage; null: what the model's limit leaves after the template's
 *                    other text, the prefix and the special tokens (the fullest window that is never truncated)
 * @param overlap     most tokens the next passage repeats from the end of the previous one, in whole sentences;
 *                    null: {@value #DEFAULT_OVERLAP_PERCENT}% of the window
 * @param maxPassages most passages per document (1..{@value #MAX_PASSAGES}, default {@value #DEFAULT_MAX_PASSAGES});
 *                    the text after the last one is not embedded, and ingest counts such documents as truncated
 */
public record PassageOptions(String field, Integer window, Integer overlap, int maxPassages) {
    public static final int DEFAULT_MAX_PASSAGES = 256;
    public static final int MAX_PASSAGES = 4096;
    public static final int DEFAULT_OVERLAP_PERCENT = 10;
    /** The smallest window: fewer tokens than this carry too little text to embed usefully. */
    public static final int MIN_WINDOW = 16;

    public PassageOptions {
        if (field == null || !field.matches("[A-Za-z0-9_.-]+")) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "passage field '" + field
                    + "' is not a field name; use letters, digits, '_', '.' and '-'");
        }
        if (window != null && window < MIN_WINDOW) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "passage window must be at least " + MIN_WINDOW
                    + " tokens, got " + window);
        }
        if (overlap != null && (overlap < 0 || (window != null && overlap >= window))) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "passage overlap must be between 0 and the window"
                    + " less one, got " + overlap + (window == null ? "" : " for a window of " + window));
        }
        if (maxPassages < 1 || maxPassages > MAX_PASSAGES) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "maxPassages must be between 1 and "
                    + MAX_PASSAGES + ", got " + maxPassages);
        }
    }

    /** Passages of {@code field}, window fitted to the model, default overlap and cap. */
    public static PassageOptions of(String field) {
        return new PassageOptions(field, null, null, DEFAULT_MAX_PASSAGES);
    }

    /**
     * The command-line form {@code FIELD[:WINDOW[:OVERLAP]]}, e.g. {@code text}, {@code text:200}, {@code text:200:20}.
     *
     * @throws MmsearchException INVALID_ARGUMENT naming what is wrong
     */
    public static PassageOptions parse(String spec) {
        String[] parts = spec == null ? new String[0] : spec.split(":", -1);
        if (parts.length < 1 || parts.length > 3 || parts[0].isBlank()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "passages '" + spec
                    + "' is not FIELD[:WINDOW[:OVERLAP]], e.g. text or text:200:20");
        }
        try {
            return new PassageOptions(parts[0], parts.length > 1 ? Integer.valueOf(parts[1]) : null,
                    parts.length > 2 ? Integer.valueOf(parts[2]) : null, DEFAULT_MAX_PASSAGES);
        } catch (NumberFormatException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "passages '" + spec
                    + "': window and overlap are numbers of tokens, e.g. text:200:20", e);
        }
    }

    /** The window for a model that leaves {@code available} tokens for the field: the configured one if smaller. */
    public int windowFor(int available) {
        int fitted = Math.max(MIN_WINDOW, available);
        return window == null ? fitted : Math.min(window, fitted);
    }

    /** The overlap for a window of {@code windowTokens}. */
    public int overlapFor(int windowTokens) {
        int wanted = overlap == null ? windowTokens * DEFAULT_OVERLAP_PERCENT / 100 : overlap;
        return Math.min(wanted, windowTokens - 1);
    }

    /** The one stored and wire form: {@code {"field": "text", "window": 200, "overlap": 20, "maxPassages": 256}}. */
    @JsonValue
    public ObjectNode toJson() {
        ObjectNode node = Json.MAPPER.createObjectNode().put("field", field);
        if (window != null) {
            node.put("window", window);
        }
        if (overlap != null) {
            node.put("overlap", overlap);
        }
        return node.put("maxPassages", maxPassages);
    }

    /**
     * Reads {@link #toJson()}'s form (a bare string is the field with the defaults); null for a missing or null node.
     *
     * @throws MmsearchException INVALID_ARGUMENT naming what is wrong
     */
    public static PassageOptions fromJson(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (node.isString()) {
            return of(node.asString());
        }
        if (!node.isObject() || !node.path("field").isString()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "passages " + node
                    + " must be a field name or {\"field\": \"text\", \"window\": N, \"overlap\": N, \"maxPassages\": N}");
        }
        for (String key : node.propertyNames()) {
            if (!java.util.Set.of("field", "window", "overlap", "maxPassages").contains(key)) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "passages has no option '" + key
                        + "'; the options are field, window, overlap and maxPassages");
            }
        }
        return new PassageOptions(node.get("field").asString(), intOrNull(node, "window"), intOrNull(node, "overlap"),
                node.has("maxPassages") ? requireInt(node, "maxPassages") : DEFAULT_MAX_PASSAGES);
    }

    private static Integer intOrNull(JsonNode node, String key) {
        return node.has(key) && !node.get(key).isNull() ? requireInt(node, key) : null;
    }

    private static int requireInt(JsonNode node, String key) {
        if (!node.get(key).isInt()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "passages." + key + " must be a whole number, got "
                    + node.get(key));
        }
        return node.get(key).asInt();
    }

    @Override
    public String toString() {
        return "field=" + field + " window=" + (window == null ? "model" : window) + " overlap="
                + (overlap == null ? DEFAULT_OVERLAP_PERCENT + "%" : overlap) + " maxPassages=" + maxPassages;
    }
}
