package dev.mmsearch.ingest;

import dev.mmsearch.core.Passage;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one JSON form of a document's passages with their vectors (and of its named vectors, {@value #NAMED_KEY}), in export records ({@link CollectionExport}) and in
 * write bodies ({@link BulkBody}, so an export of a passage collection can be pushed to a server):
 * {@code "_passages": [{"start": 0, "end": 812, "vector": [0.01, ...]}, ...]}, offsets in the passage field's joined
 * text ({@link Passage}), in text order.
 */
public final class PassagesJson {
    /** Reserved key of a document's passages; never a field. */
    public static final String KEY = "_passages";

    private PassagesJson() {
    }

    /** Writes {@code passages} as the value of the current property. */
    static void write(JsonGenerator json, List<Passage> passages) {
        json.writeStartArray();
        for (Passage passage : passages) {
            json.writeStartObject();
            json.writeNumberProperty("start", passage.start());
            json.writeNumberProperty("end", passage.end());
            json.writeName("vector");
            json.writeStartArray();
            for (float value : passage.vector()) {
                json.writeNumber(value);
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    /** {@code passages} as plain JSON values (for a body built as a map). */
    public static List<Map<String, Object>> toJsonValue(List<Passage> passages) {
        List<Map<String, Object>> list = new ArrayList<>(passages.size());
        for (Passage passage : passages) {
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("start", passage.start());
            node.put("end", passage.end());
            node.put("vector", passage.vector());
            list.add(node);
        }
        return list;
    }

    /**
     * The passages of a {@value #KEY} value.
     *
     * @throws IllegalArgumentException saying what is wrong (not a non-empty list of {start, end, vector} objects,
     *                                  offsets that are not a range, a vector that is not a list of finite numbers)
     */
    static List<Passage> parse(JsonNode value) {
        if (value == null || !value.isArray() || value.isEmpty()) {
            throw new IllegalArgumentException("\"" + KEY + "\" must be a non-empty list of {\"start\", \"end\","
                    + " \"vector\"} objects");
        }
        List<Passage> passages = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            JsonNode node = value.get(i);
            String where = "\"" + KEY + "\"[" + i + "]";
            if (!node.isObject()) {
                throw new IllegalArgumentException(where + " is not an object");
            }
            JsonNode start = node.get("start");
            JsonNode end = node.get("end");
            if (start == null || !start.canConvertToInt() || !start.isIntegralNumber()
                    || end == null || !end.canConvertToInt() || !end.isIntegralNumber()
                    || start.intValue() < 0 || end.intValue() < start.intValue()) {
                throw new IllegalArgumentException(where + ": \"start\" and \"end\" must be integers with"
                        + " 0 <= start <= end");
            }
            if (i > 0 && start.intValue() < passages.getLast().start()) {
                throw new IllegalArgumentException(where + " starts before the passage ahead of it; give passages in"
                        + " text order");
            }
            float[] vector = vector(node.get("vector"));
            if (vector == null) {
                throw new IllegalArgumentException(where + ": \"vector\" must be a non-empty list of finite numbers");
            }
            passages.add(new Passage(start.intValue(), end.intValue(), vector));
        }
        return List.copyOf(passages);
    }

    /** Reserved key of a document's named vectors: {@code {"title_emb": [...], ...}}; never a field. */
    public static final String NAMED_KEY = "_vectors";

    /** Writes {@code named} (field name to vector) as the value of the current property. */
    static void writeNamed(JsonGenerator json, Map<String, float[]> named) {
        json.writeStartObject();
        for (Map.Entry<String, float[]> field : named.entrySet()) {
            json.writeName(field.getKey());
            json.writeStartArray();
            for (float value : field.getValue()) {
                json.writeNumber(value);
            }
            json.writeEndArray();
        }
        json.writeEndObject();
    }

    /**
     * The named vectors of a {@value #NAMED_KEY} value.
     *
     * @throws IllegalArgumentException when it is not an object of lists of finite numbers
     */
    static Map<String, float[]> parseNamed(JsonNode value) {
        if (value == null || !value.isObject()) {
            throw new IllegalArgumentException("\"" + NAMED_KEY + "\" must be an object of vector field name to a"
                    + " list of numbers");
        }
        Map<String, float[]> named = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : value.properties()) {
            float[] vector = vector(field.getValue());
            if (vector == null) {
                throw new IllegalArgumentException("\"" + NAMED_KEY + "\"." + field.getKey() + " must be a non-empty"
                        + " list of finite numbers");
            }
            named.put(field.getKey(), vector);
        }
        return named;
    }

    /** The numbers of a JSON list, or null when it is not a non-empty list of finite numbers. */
    static float[] vector(JsonNode value) {
        if (value == null || !value.isArray() || value.isEmpty()) {
            return null;
        }
        float[] vector = new float[value.size()];
        for (int i = 0; i < vector.length; i++) {
            JsonNode number = value.get(i);
            if (!number.isNumber() || !Float.isFinite(number.floatValue())) {
                return null;
            }
            vector[i] = number.floatValue();
        }
        return vector;
    }
}
