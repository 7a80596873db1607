package dev.mmsearch.retrieval;

import java.util.List;

/**
 * Checks used by the compact constructors of parameter records. Each throws
 * {@link IllegalArgumentException} with a message naming the parameter, the rule and the value;
 * {@link StageRegistry} prefixes it with the arm and stage type.
 */
public final class ParamChecks {
    /** Largest recall size a stage may ask for (the Lucene store's limit). */
    public static final int MAX_K = 10_000;

    private ParamChecks() {
    }

    public static int intIn(String name, Integer value, int defaultValue, int min, int max) {
        int v = value == null ? defaultValue : value;
        if (v < min || v > max) {
            throw new IllegalArgumentException("parameter '" + name + "' must be between " + min + " and " + max
                    + ", got " + v);
        }
        return v;
    }

    public static double doubleIn(String name, Double value, double defaultValue, double min, double max) {
        double v = value == null ? defaultValue : value;
        if (Double.isNaN(v) || v < min || v > max) {
            throw new IllegalArgumentException("parameter '" + name + "' must be between " + min + " and " + max
                    + ", got " + v);
        }
        return v;
    }

    public static String oneOf(String name, String value, String defaultValue, List<String> allowed) {
        String v = value == null ? defaultValue : value;
        if (!allowed.contains(v)) {
            throw new IllegalArgumentException("parameter '" + name + "' must be one of " + allowed + ", got '" + v + "'");
        }
        return v;
    }

    /** A name used as a score-map key: letters, digits, '_', '.', '-', at most 64 characters. */
    public static String scoreName(String name, String value, String defaultValue) {
        String v = value == null ? defaultValue : value;
        if (!v.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("parameter '" + name + "' must be 1-64 letters, digits, '_', '.', '-', got '"
                    + v + "'");
        }
        return v;
    }

    /** A list of distinct, non-blank field names (null = {@code defaultValue}). */
    public static List<String> fieldNames(String name, List<String> value, List<String> defaultValue) {
        if (value == null) {
            return defaultValue;
        }
        for (String field : value) {
            if (field == null || field.isBlank()) {
                throw new IllegalArgumentException("parameter '" + name + "' holds a blank field name");
            }
        }
        if (value.stream().distinct().count() != value.size()) {
            throw new IllegalArgumentException("parameter '" + name + "' names a field twice: " + value);
        }
        return List.copyOf(value);
    }
}
