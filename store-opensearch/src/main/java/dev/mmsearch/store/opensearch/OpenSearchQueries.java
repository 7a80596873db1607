package dev.mmsearch.store.opensearch;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.FilterTranslator;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorQuery;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenSearch query DSL of a collection's vector, text and filter queries. Immutable, thread-safe.
 */
final class OpenSearchQueries {
    private final FilterTranslator<JsonNode> filters;
    private final boolean passages;

    OpenSearchQueries(String collection, CollectionSchema schema) {
        this.filters = new Filters(collection, schema);
        this.passages = schema.hasPassages();
    }

    /** The query of a filter over {@code kw.*} and {@code num.*}, or null for none (checked against the schema). */
    JsonNode filter(Filter filter) {
        return filters.translate(filter);
    }

    /**
     * A {@code knn} query with {@code k = max(k, numCandidates)} per shard and the filter inside it (the Lucene
     * engine's filtered HNSW search, which falls back to an exact search for selective filters); the best {@code k}
     * over all shards are returned.
     */
    ObjectNode vector(VectorQuery query) {
        JsonNode filterQuery = filter(query.filter());
        ObjectNode knn = Json.MAPPER.createObjectNode();
        knn.set("vector", DocumentLayout.floats(query.vector()));
        knn.put("k", query.explored());
        if (filterQuery != null) {
            knn.set("filter", filterQuery);
        }
        ObjectNode body = body(query.k());
        if (passages && query.field() == null) {
            // Nested k-NN: one best passage per document (k documents), the filter on the documents inside the
            // search; inner_hits names the passage that matched.
            if (!query.passageScore().isMax()) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "the OpenSearch store scores a document by"
                        + " its best passage only; passage score '" + query.passageScore() + "' needs the embedded"
                        + " store");
            }
            ObjectNode nested = body.putObject("query").putObject("nested");
            nested.put("path", DocumentLayout.PASSAGES);
            nested.putObject("query").putObject("knn").set(DocumentLayout.PASSAGE_VECTOR, knn);
            ObjectNode inner = nested.putObject("inner_hits");
            inner.put("size", 1);
            inner.put("_source", false);
            inner.putArray("docvalue_fields").add(DocumentLayout.PASSAGES + ".start").add(DocumentLayout.PASSAGES + ".end");
            return body;
        }
        body.putObject("query").putObject("knn").set(DocumentLayout.vectorField(query.field()), knn);
        return body;
    }

    /**
     * A {@code match} query (terms OR-ed, never parsed as query syntax) on the joined text, or with boosts one
     * {@code match} per field on {@code txt.<field>} with its boost, summed (a bool of should clauses); the filter as
     * a non-scoring clause.
     */
    ObjectNode text(TextQuery query) {
        JsonNode filterQuery = filter(query.filter());
        ObjectNode bool = Json.MAPPER.createObjectNode();
        if (query.perField()) {
            ArrayNode should = bool.putArray("should");
            query.fieldBoosts().forEach((field, boost) -> {
                ObjectNode match = should.addObject().putObject("match")
                        .putObject(DocumentLayout.TEXT_PREFIX + "." + field);
                match.put("query", query.text());
                match.put("boost", boost);
            });
            bool.put("minimum_should_match", 1);
        } else {
            bool.putArray("must").addObject().putObject("match").putObject(DocumentLayout.TEXT)
                    .put("query", query.text());
        }
        if (filterQuery != null) {
            bool.putArray("filter").add(filterQuery);
        }
        ObjectNode body = body(query.k());
        body.putObject("query").set("bool", bool);
        return body;
    }

    private static ObjectNode body(int k) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("size", k);
        body.put("_source", false);
        body.put("track_total_hits", false);
        return body;
    }

    private static final class Filters extends FilterTranslator<JsonNode> {
        Filters(String collection, CollectionSchema schema) {
            super(collection, schema);
        }

        @Override
        protected JsonNode keyword(String field, List<String> values, boolean single) {
            ObjectNode query = Json.MAPPER.createObjectNode();
            String name = DocumentLayout.KEYWORD_PREFIX + "." + field;
            if (single) {
                query.putObject("term").put(name, values.getFirst());
            } else {
                ArrayNode array = query.putObject("terms").putArray(name);
                values.forEach(array::add);
            }
            return query;
        }

        @Override
        protected JsonNode range(String field, Double gte, Double gt, Double lte, Double lt) {
            ObjectNode query = Json.MAPPER.createObjectNode();
            ObjectNode bounds = query.putObject("range").putObject(DocumentLayout.NUMERIC_PREFIX + "." + field);
            if (gte != null) {
                bounds.put("gte", gte);
            }
            if (gt != null) {
                bounds.put("gt", gt);
            }
            if (lte != null) {
                bounds.put("lte", lte);
            }
            if (lt != null) {
                bounds.put("lt", lt);
            }
            return query;
        }

        @Override
        protected JsonNode and(List<JsonNode> clauses) {
            ObjectNode query = Json.MAPPER.createObjectNode();
            ArrayNode all = query.putObject("bool").putArray("filter");
            clauses.forEach(all::add);
            return query;
        }

        @Override
        protected JsonNode or(List<JsonNode> clauses) {
            ObjectNode query = Json.MAPPER.createObjectNode();
            ObjectNode bool = query.putObject("bool");
            ArrayNode any = bool.putArray("should");
            clauses.forEach(any::add);
            bool.put("minimum_should_match", 1);
            return query;
        }

        @Override
        protected JsonNode not(JsonNode clause) {
            ObjectNode query = Json.MAPPER.createObjectNode();
            ObjectNode bool = query.putObject("bool");
            bool.putArray("filter").addObject().putObject("match_all");
            bool.putArray("must_not").add(clause);
            return query;
        }
    }
}
