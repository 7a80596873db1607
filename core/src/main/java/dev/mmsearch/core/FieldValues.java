package dev.mmsearch.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a document's field values become what a store indexes: strings for text and keyword fields, numbers for
 * numeric fields, the text fields joined for BM25. Shared by the stores so that they index (and refuse) the same
 * values. Pure functions.
 */
public final class FieldValues {
    private FieldValues() {
    }

    /**
     * The text a store indexes for BM25: all text fields joined by line breaks ({@code all}, null when there is
     * none) and each text field alone ({@code perField}, only fields with a value; list values joined by line
     * breaks), in schema order.
     */
    public record IndexedText(String all, Map<String, String> perField) {
    }

    /** The BM25 text of a document's fields under {@code schema}. */
    public static IndexedText indexedText(CollectionSchema schema, Map<String, Object> fields) {
        StringBuilder all = new StringBuilder();
        Map<String, String> perField = new LinkedHashMap<>();
        for (String field : schema.textFields()) {
            List<String> values = strings(fields.get(field));
            if (values.isEmpty()) {
                continue;
            }
            String joined = String.join("\n", values);
            if (!all.isEmpty()) {
                all.append('\n');
            }
            all.append(joined);
            perField.put(field, joined);
        }
        return new IndexedText(all.isEmpty() ? null : all.toString(), perField);
    }

    /**
     * A field's text as BM25, highlighting and passages see it: list values joined by line breaks, "" for none. Passage
     * offsets ({@link Passage}) count in this form.
     */
    public static String joinedText(Object value) {
        return String.join("\n", strings(value));
    }

    /** A field value as the strings it indexes as: lists contribute each element, null nothing. */
    public static List<String> strings(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof Collection<?> many) {
            List<String> out = new ArrayList<>(many.size());
            for (Object element : many) {
                if (element != null) {
                    out.add(element.toString());
                }
            }
            return out;
        }
        return List.of(value.toString());
    }

    /**
     * A numeric field's value as numbers: a number, or a list of numbers (nulls skipped); null gives none. -0.0 is
     * returned as 0.0 (points order -0.0 below 0.0, numbers do not; a filter {@code gte: 0} must match it).
     *
     * @throws MmsearchException INVALID_INPUT for anything else (a string, a boolean, NaN or infinity)
     */
    public static List<Double> numbers(String id, String field, Object value) {
        if (value == null) {
            return List.of();
        }
        Collection<?> elements = value instanceof Collection<?> many ? many : List.of(value);
        List<Double> out = new ArrayList<>(elements.size());
        for (Object element : elements) {
            if (element == null) {
                continue;
            }
            if (!(element instanceof Number number) || !Double.isFinite(number.doubleValue())) {
                String shown = element instanceof String text ? "\"" + abbreviate(text) + "\""
                        : abbreviate(String.valueOf(element));
                throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + abbreviate(id)
                        + "': numeric field '" + field + "' has the value " + shown + " ("
                        + element.getClass().getSimpleName() + "); a numeric field takes a finite number or a list"
                        + " of numbers; nothing of this batch was written");
            }
            out.add(positiveZero(number.doubleValue()));
        }
        return out;
    }

    /** {@code value} with -0.0 as 0.0. */
    public static double positiveZero(double value) {
        return value == 0.0 ? 0.0 : value;
    }

    /**
     * @throws MmsearchException INVALID_INPUT when {@code value} is longer than {@code maxBytes} in UTF-8 (an exact
     *                           term: an id or a keyword value)
     */
    public static void requireTermLength(String id, String what, String value, int maxBytes) {
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxBytes) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + abbreviate(id) + "': " + what
                    + " is " + bytes + " bytes long, more than the " + maxBytes + " an exact term may have;"
                    + " nothing of this batch was written");
        }
    }

    /**
     * @throws MmsearchException INVALID_INPUT naming the document when its vector does not fit the collection
     *                           ({@link QueryChecks#vectorProblem})
     */
    public static void requireValidVector(String collection, ModelStamp stamp, EmbeddedDocument document) {
        String problem = QueryChecks.vectorProblem(collection, stamp, document.vector());
        if (problem != null) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + abbreviate(document.id())
                    + "': vector " + problem + "; nothing of this batch was written");
        }
    }

    /**
     * Checks a document's named vectors against the schema: each names one of its {@link VectorField vector fields}
     * and fits that field's stamp (what every store calls before writing).
     *
     * @throws MmsearchException INVALID_INPUT naming the document and the field
     */
    public static void requireValidNamedVectors(String collection, CollectionSchema schema, EmbeddedDocument document) {
        for (Map.Entry<String, float[]> named : document.named().entrySet()) {
            VectorField field = schema.vectors().stream().filter(f -> f.name().equals(named.getKey())).findFirst()
                    .orElseThrow(() -> new MmsearchException(ErrorCode.INVALID_INPUT, "document '"
                            + abbreviate(document.id()) + "' has a vector for '" + named.getKey() + "', which is not a"
                            + " vector field of collection '" + collection + "' (its vector fields: "
                            + schema.vectors().stream().map(VectorField::name).toList() + ")"));
            String problem = QueryChecks.vectorProblem(collection, field.stamp(), named.getValue());
            if (problem != null) {
                throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + abbreviate(document.id())
                        + "': vector field '" + field.name() + "' " + problem + "; nothing of this batch was written");
            }
        }
    }

    /** At most the first 80 characters of {@code text}, for messages. */
    public static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }
}
