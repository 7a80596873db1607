package dev.mmsearch.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** The typed requests and answers of the API (a subset of each answer's fields; unknown ones are ignored). */
public final class Types {
    private Types() {
    }

    /**
     * A search ({@code POST /api/v1/collections/{name}/search}); only {@code query} (or {@code mix}) is needed. The
     * filter is the API's JSON filter as maps and lists, e.g. {@code Map.of("term", Map.of("topic", "bio"))}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SearchRequest(String query, Integer topK, Integer offset, Object filter, String retriever,
                                String vectorField, String groupBy, String userId, Boolean debug,
                                Map<String, String> forceArms) {
        public static SearchRequest of(String query, int topK) {
            return new SearchRequest(query, topK, null, null, null, null, null, null, null, null);
        }

        public SearchRequest withFilter(Object newFilter) {
            return new SearchRequest(query, topK, offset, newFilter, retriever, vectorField, groupBy, userId, debug,
                    forceArms);
        }

        public SearchRequest withRetriever(String newRetriever) {
            return new SearchRequest(query, topK, offset, filter, newRetriever, vectorField, groupBy, userId, debug,
                    forceArms);
        }
    }

    /** One hit: id, 1-based rank, score, the per-stage scores and the document's fields (with {@code _highlights}). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Hit(String id, int rank, float score, Map<String, Float> scores, Map<String, Object> fields) {
    }

    /** A search answer. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record SearchResponse(String queryId, String collection, String model, String configVersion,
                                 Map<String, String> arms, int offset, int topK, int totalCandidates, List<Hit> hits,
                                 Map<String, Double> timingsMs) {
    }

    /** A collection's model stamp. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Stamp(String modelId, String checksum, int dimension, String metric) {
    }

    /** A collection ({@code GET /api/v1/collections/{name}}); its schema as the API gives it. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CollectionInfo(String name, long documentCount, Stamp stamp, Map<String, Object> schema,
                                 String vectorEncoding, String modality) {
    }

    /** The schema of a new collection ({@code PUT /api/v1/collections/{name}}); null fields take the defaults. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CollectionSpec(String model, List<String> textFields, List<String> keywordFields,
                                 List<String> numericFields, String embed, String vectorEncoding, String analyzer,
                                 Object passages, Map<String, Object> vectors) {
        public static CollectionSpec of(String model, List<String> textFields, List<String> keywordFields) {
            return new CollectionSpec(model, textFields, keywordFields, null, null, null, null, null, null);
        }
    }

    /** One document's outcome in a bulk write: {@code created}, {@code updated} or {@code failed} with a code. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record BulkItem(int position, String id, String result, int status, String code, String message) {
        public boolean failed() {
            return "failed".equals(result);
        }
    }

    /** A bulk write's answer: every document's outcome, in body order. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record BulkResult(boolean errors, int written, int failed, long tookMs, List<BulkItem> items) {
    }

    /** A stored document ({@code GET .../documents/{id}}) with its version (the ETag). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record StoredDocument(String id, Map<String, Object> fields, String version) {
        StoredDocument withVersion(String etag) {
            return new StoredDocument(id, fields, etag);
        }
    }
}
