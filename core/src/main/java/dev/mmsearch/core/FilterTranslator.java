package dev.mmsearch.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns a {@link Filter} into a store's own query, checking it against the collection's schema on the way: nesting
 * depth, term/terms only on keyword fields, range only on numeric fields (with a message naming the field and the
 * fields that can be filtered). A store maps only the leaves and the three combinations; the walk and the checks
 * are here, once.
 *
 * <p>Range bounds reach {@link #range} with -0.0 as 0.0 (values are indexed that way, so {@code gte: 0} matches a
 * stored -0.0).
 *
 * @param <Q> the store's query type
 */
public abstract class FilterTranslator<Q> {
    private final String collection;
    private final CollectionSchema schema;

    protected FilterTranslator(String collection, CollectionSchema schema) {
        this.collection = Objects.requireNonNull(collection, "collection");
        this.schema = Objects.requireNonNull(schema, "schema");
    }

    /**
     * The store query for {@code filter}, or null for no filter.
     *
     * @throws MmsearchException INVALID_ARGUMENT for nesting deeper than {@link Filter#MAX_DEPTH} or a field the
     *                           schema does not make filterable that way
     */
    public final Q translate(Filter filter) {
        return filter == null ? null : translate(filter, 1);
    }

    /** The keyword field (schema name) equals one of {@code values} (one value for a term filter). */
    protected abstract Q keyword(String field, List<String> values, boolean single);

    /**
     * The numeric field (schema name) lies within the bounds; a null bound is open. Exactly the bounds the filter
     * gave are non-null, at most one lower and one upper.
     */
    protected abstract Q range(String field, Double gte, Double gt, Double lte, Double lt);

    /** Every clause matches. */
    protected abstract Q and(List<Q> clauses);

    /** At least one clause matches. */
    protected abstract Q or(List<Q> clauses);

    /** The clause does not match. */
    protected abstract Q not(Q clause);

    private Q translate(Filter filter, int depth) {
        if (depth > Filter.MAX_DEPTH) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "filter nests deeper than " + Filter.MAX_DEPTH
                    + " levels; flatten the and/or/not");
        }
        return switch (filter) {
            case Filter.Term term -> keyword(requireKeywordField(term.field()), List.of(term.value()), true);
            case Filter.Terms terms -> keyword(requireKeywordField(terms.field()), terms.values(), false);
            case Filter.Range r -> range(requireNumericField(r.field()), zero(r.gte()), zero(r.gt()), zero(r.lte()),
                    zero(r.lt()));
            case Filter.And and -> and(clauses(and.filters(), depth));
            case Filter.Or or -> or(clauses(or.filters(), depth));
            case Filter.Not not -> not(translate(not.filter(), depth + 1));
        };
    }

    private List<Q> clauses(List<Filter> filters, int depth) {
        List<Q> out = new ArrayList<>(filters.size());
        for (Filter clause : filters) {
            out.add(translate(clause, depth + 1));
        }
        return out;
    }

    private static Double zero(Double bound) {
        return bound == null ? null : FieldValues.positiveZero(bound);
    }

    private String requireKeywordField(String field) {
        if (!schema.keywordFields().contains(field)) {
            throw unfilterable(field, schema.numericFields().contains(field)
                    ? "is a numeric field: filter it with range" : "is not a keyword field");
        }
        return field;
    }

    private String requireNumericField(String field) {
        if (!schema.numericFields().contains(field)) {
            throw unfilterable(field, schema.keywordFields().contains(field)
                    ? "is a keyword field: filter it with term or terms" : "is not a numeric field");
        }
        return field;
    }

    private MmsearchException unfilterable(String field, String problem) {
        return new MmsearchException(ErrorCode.INVALID_ARGUMENT, "filter field '" + field + "' " + problem
                + " of collection '" + collection + "'; keyword fields (term, terms): " + schema.keywordFields()
                + ", numeric fields (range): " + schema.numericFields());
    }
}
