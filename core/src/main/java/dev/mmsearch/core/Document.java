package dev.mmsearch.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A source document: an id and its fields as read from the input (strings, numbers,
 * booleans, lists of those). Immutable.
 */
public record Document(String id, Map<String, Object> fields) {
    public Document {
        Objects.requireNonNull(id, "id");
        if (id.isBlank()) {
            throw new IllegalArgumentException("document id is blank");
        }
        fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** The field as text, or {@code ""} when absent or null. */
    public String text(String field) {
        Object value = fields.get(field);
        return value == null ? "" : value.toString();
    }
}
