package dev.mmsearch.core;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A structured filter over a collection's keyword and numeric fields, applied inside recall
 * (for dense search: inside the HNSW search, so a selective filter still returns k hits).
 * JSON form (REST {@code filter}): {@code {"term": {"field": "value"}}},
 * {@code {"terms": {"field": ["a", "b"]}}}, {@code {"range": {"field": {"gte": 1, "lt": 5}}}},
 * {@code {"and": [...]}}, {@code {"or": [...]}}, {@code {"not": {...}}}; see {@link #parse(JsonNode)}.
 *
 * <p>The records check their own arguments (blank field, empty list, range without bounds or with
 * an empty interval), so a filter built in code is as valid as one parsed from JSON.
 */
public sealed interface Filter {

    /** Deepest nesting of {@code and}/{@code or}/{@code not} that {@link #parse(JsonNode)} accepts (a leaf alone is depth 1). */
    int MAX_DEPTH = 16;

    /**
     * Reads the JSON form of a filter.
     * <ul>
     *   <li>{@code {"term": {"field": value}}}: value a string, an integer or a boolean (matched as its text);</li>
     *   <li>{@code {"terms": {"field": [value, ...]}}}: a non-empty list of such values;</li>
     *   <li>{@code {"range": {"field": {"gte"|"gt": number, "lte"|"lt": number}}}}: at least one bound, at most
     *       one lower and one upper;</li>
     *   <li>{@code {"and": [filter, ...]}}, {@code {"or": [filter, ...]}}: non-empty lists;
     *       {@code {"not": filter}};</li>
     * </ul>
     * Each filter object has exactly one operator, and term/terms/range exactly one field. Nesting deeper than
     * {@link #MAX_DEPTH} is rejected.
     *
     * @param node the JSON; null, JSON null or a missing node mean "no filter"
     * @return the filter, or null for no filter
     * @throws MmsearchException INVALID_ARGUMENT whose message names the position in the JSON (e.g.
     *                           {@code filter.and[1].range.price}) and what is wrong there
     */
    static Filter parse(JsonNode node) {
        return FilterParser.parse(node);
    }

    /** The keyword field equals the value. */
    record Term(String field, String value) implements Filter {
        public Term {
            requireField("term", field);
            if (value == null) {
                throw invalid("term filter on '" + field + "' has no value");
            }
        }
    }

    /** The keyword field equals one of the values. */
    record Terms(String field, List<String> values) implements Filter {
        public Terms {
            requireField("terms", field);
            if (values == null || values.isEmpty()) {
                throw invalid("terms filter on '" + field + "' has no values; give at least one");
            }
            if (values.stream().anyMatch(java.util.Objects::isNull)) {
                throw invalid("terms filter on '" + field + "' has a null value");
            }
            values = List.copyOf(values);
        }
    }

    /**
     * The numeric field lies in the range; null bounds are open. At least one bound, at most one lower
     * ({@code gte} or {@code gt}) and one upper ({@code lte} or {@code lt}), none NaN, and the interval
     * not empty. A document matches when any of its values lies in the range.
     */
    record Range(String field, Double gte, Double gt, Double lte, Double lt) implements Filter {
        public Range {
            requireField("range", field);
            if (gte == null && gt == null && lte == null && lt == null) {
                throw invalid("range filter on '" + field + "' has no bounds; give gte, gt, lte or lt");
            }
            if (gte != null && gt != null) {
                throw invalid("range filter on '" + field + "' has both gte and gt; give one lower bound");
            }
            if (lte != null && lt != null) {
                throw invalid("range filter on '" + field + "' has both lte and lt; give one upper bound");
            }
            for (Double bound : new Double[] {gte, gt, lte, lt}) {
                if (bound != null && bound.isNaN()) {
                    throw invalid("range filter on '" + field + "' has a NaN bound");
                }
            }
            Double lower = gte != null ? gte : gt;
            Double upper = lte != null ? lte : lt;
            if (lower != null && upper != null
                    && (lower > upper || (lower.equals(upper) && (gt != null || lt != null)))) {
                throw invalid("range filter on '" + field + "' is empty (lower bound " + lower
                        + (gt != null ? " exclusive" : "") + ", upper bound " + upper + (lt != null ? " exclusive" : "")
                        + "); check the bounds");
            }
        }
    }

    /** All of the filters hold. */
    record And(List<Filter> filters) implements Filter {
        public And {
            filters = requireFilters("and", filters);
        }
    }

    /** At least one of the filters holds. */
    record Or(List<Filter> filters) implements Filter {
        public Or {
            filters = requireFilters("or", filters);
        }
    }

    /** The filter does not hold. */
    record Not(Filter filter) implements Filter {
        public Not {
            if (filter == null) {
                throw invalid("not filter has no filter to negate");
            }
        }
    }

    private static void requireField(String operator, String field) {
        if (field == null || field.isBlank()) {
            throw invalid(operator + " filter names no field");
        }
    }

    private static List<Filter> requireFilters(String operator, List<Filter> filters) {
        if (filters == null || filters.isEmpty()) {
            throw invalid(operator + " filter has no filters; give at least one");
        }
        if (filters.stream().anyMatch(java.util.Objects::isNull)) {
            throw invalid(operator + " filter has a null filter");
        }
        return List.copyOf(filters);
    }

    private static MmsearchException invalid(String message) {
        return new MmsearchException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
