package dev.mmsearch.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Reads the JSON form of a {@link Filter} (see {@link Filter#parse(JsonNode)}). Hand-written rather than
 * Jackson data binding: the form is keyed by operator ({@code {"term": {...}}}), not by a type property,
 * and every error must name its position in the JSON, which polymorphic binding does not give.
 */
final class FilterParser {
    private static final String OPERATORS = "term, terms, range, and, or, not";
    private static final String BOUNDS = "gte, gt, lte, lt";

    private FilterParser() {
    }

    static Filter parse(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        return filter(node, "filter", 1);
    }

    private static Filter filter(JsonNode node, String at, int depth) {
        if (depth > Filter.MAX_DEPTH) {
            throw invalid(at, "filters nest deeper than " + Filter.MAX_DEPTH + " levels; flatten the and/or/not");
        }
        if (!node.isObject()) {
            throw invalid(at, "expected an object like {\"term\": {\"field\": \"value\"}} but got "
                    + describe(node));
        }
        Map.Entry<String, JsonNode> operator = single(node, at, "operator (" + OPERATORS + ")");
        String op = operator.getKey();
        JsonNode body = operator.getValue();
        String here = at + "." + op;
        return switch (op) {
            case "term" -> term(body, here);
            case "terms" -> terms(body, here);
            case "range" -> range(body, here);
            case "and" -> new Filter.And(children(body, here, depth));
            case "or" -> new Filter.Or(children(body, here, depth));
            case "not" -> new Filter.Not(filter(body, here, depth + 1));
            default -> throw invalid(at, "unknown operator '" + op + "'; use one of " + OPERATORS);
        };
    }

    /** Builds a leaf record; when the record rejects its arguments, the error says where in the JSON. */
    private static Filter located(String at, java.util.function.Supplier<Filter> record) {
        try {
            return record.get();
        } catch (MmsearchException e) {
            throw new MmsearchException(e.code(), at + ": " + e.getMessage(), e);
        }
    }

    private static Filter term(JsonNode body, String at) {
        Map.Entry<String, JsonNode> field = single(body, at, "field");
        String value = keyword(field.getValue(), at + "." + field.getKey());
        return located(at, () -> new Filter.Term(field.getKey(), value));
    }

    private static Filter terms(JsonNode body, String at) {
        Map.Entry<String, JsonNode> field = single(body, at, "field");
        String here = at + "." + field.getKey();
        JsonNode list = field.getValue();
        if (!list.isArray()) {
            throw invalid(here, "expected a list of values but got " + describe(list));
        }
        if (list.isEmpty()) {
            throw invalid(here, "the list of values is empty; give at least one");
        }
        List<String> values = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            values.add(keyword(list.get(i), here + "[" + i + "]"));
        }
        return located(at, () -> new Filter.Terms(field.getKey(), values));
    }

    private static Filter range(JsonNode body, String at) {
        Map.Entry<String, JsonNode> field = single(body, at, "field");
        String here = at + "." + field.getKey();
        JsonNode bounds = field.getValue();
        if (!bounds.isObject()) {
            throw invalid(here, "expected bounds like {\"gte\": 1, \"lt\": 5} but got " + describe(bounds));
        }
        if (bounds.isEmpty()) {
            throw invalid(here, "the range has no bounds; give at least one of " + BOUNDS);
        }
        // Bounds in the order of Filter.Range's components: gte, gt, lte, lt.
        List<String> names = List.of("gte", "gt", "lte", "lt");
        Double[] found = new Double[names.size()];
        for (Map.Entry<String, JsonNode> bound : bounds.properties()) {
            int index = names.indexOf(bound.getKey());
            if (index < 0) {
                throw invalid(here, "unknown bound '" + bound.getKey() + "'; use " + BOUNDS);
            }
            found[index] = number(bound.getValue(), here + "." + bound.getKey());
        }
        return located(here, () -> new Filter.Range(field.getKey(), found[0], found[1], found[2], found[3]));
    }

    private static List<Filter> children(JsonNode body, String at, int depth) {
        if (!body.isArray()) {
            throw invalid(at, "expected a list of filters but got " + describe(body));
        }
        if (body.isEmpty()) {
            throw invalid(at, "the list of filters is empty; give at least one");
        }
        List<Filter> filters = new ArrayList<>(body.size());
        for (int i = 0; i < body.size(); i++) {
            filters.add(filter(body.get(i), at + "[" + i + "]", depth + 1));
        }
        return filters;
    }

    /** The one property of an object that must have exactly one. */
    private static Map.Entry<String, JsonNode> single(JsonNode node, String at, String what) {
        if (!node.isObject()) {
            throw invalid(at, "expected an object with one " + what + " but got " + describe(node));
        }
        if (node.size() != 1) {
            throw invalid(at, "expected exactly one " + what + " but got " + (node.isEmpty() ? "none"
                    : node.size() + " " + node.propertyNames()) + "; combine several with \"and\"");
        }
        return node.properties().iterator().next();
    }

    /**
     * A keyword value: a string, or an integer or boolean taken as its text (how such values of a document
     * are indexed). Fractional numbers are refused: their text form is ambiguous ("1.0" vs "1").
     */
    private static String keyword(JsonNode value, String at) {
        if (value.isString()) {
            return value.stringValue();
        }
        if (value.isIntegralNumber() || value.isBoolean()) {
            return value.asString();
        }
        throw invalid(at, "expected a string value but got " + describe(value)
                + (value.isNumber() ? "; filter numeric fields with range" : ""));
    }

    private static double number(JsonNode value, String at) {
        if (!value.isNumber()) {
            throw invalid(at, "expected a number but got " + describe(value));
        }
        double number = value.doubleValue();
        if (!Double.isFinite(number)) {
            throw invalid(at, "the number " + value + " is out of range");
        }
        return number;
    }

    private static String describe(JsonNode node) {
        String text = node.toString();
        String shown = text.length() <= 60 ? text : text.substring(0, 60) + "...";
        return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + shown;
    }

    private static MmsearchException invalid(String at, String problem) {
        return new MmsearchException(ErrorCode.INVALID_ARGUMENT, at + ": " + problem);
    }
}
