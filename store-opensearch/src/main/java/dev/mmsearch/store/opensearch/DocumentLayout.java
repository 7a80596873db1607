package dev.mmsearch.store.opensearch;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.TextAnalyzer;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.FieldValues;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.VectorSimilarity;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * How a collection's documents are laid out in its OpenSearch index ({@code _source}; the mapping is
 * {@code dynamic: strict}):
 * <ul>
 *   <li>{@value #FIELDS}: the document's fields as given, stored only ({@code enabled: false}), returned by fetch;</li>
 *   <li>{@value #TEXT}: the schema's text fields joined by line breaks, analysed with OpenSearch's analyzer for the
 *       collection's {@link TextAnalyzer} ({@link #analyzerName}: the same Lucene analyzers as the embedded store),
 *       BM25;</li>
 *   <li>{@code txt.<field>}: each text field alone, for per-field boosts;</li>
 *   <li>{@code kw.<field>}: keyword values (as strings), for term/terms filters;</li>
 *   <li>{@code num.<field>}: numeric values as {@code double}, for range filters;</li>
 *   <li>{@value #VECTOR}: {@code knn_vector}, HNSW on the Lucene engine with the stamp's metric (COSINE →
 *       {@code cosinesimil}, DOT_PRODUCT → {@code innerproduct}, EUCLIDEAN → {@code l2}); its values in
 *       {@code _source} are the exact floats written (JSON keeps a float's shortest decimal form);</li>
 *   <li>{@code vec_<name>} per {@link dev.mmsearch.core.VectorField named vector field}: a {@code knn_vector} as
 *       {@value #VECTOR}, with that field's dimension and metric, present when the document has a vector there;</li>
 *   <li>{@value #PASSAGES} in a collection with passages: a {@code nested} list, one object per passage in text
 *       order, {@code {"vector", "start", "end"}} ({@code vector} a {@code knn_vector} as above, the offsets stored
 *       only); {@value #VECTOR} then holds the first passage's vector. A nested kNN query scores a document by its
 *       best passage (OpenSearch's nested k-NN search, the counterpart of the embedded store's block join).</li>
 * </ul>
 */
final class DocumentLayout {
    /** OpenSearch's limit on a document id, in UTF-8 bytes. */
    /**
     * OpenSearch's built-in analyzer for each {@link TextAnalyzer}: {@code english}, {@code cjk} and {@code standard}
     * ship with OpenSearch; {@code chinese} is {@code smartcn} (the analysis-smartcn plugin, the same Lucene
     * SmartChineseAnalyzer as the embedded store) and {@code icu} is {@code icu_analyzer} (the analysis-icu plugin).
     */
    static String analyzerName(TextAnalyzer analyzer) {
        return switch (analyzer) {
            case ENGLISH -> "english";
            case CHINESE -> "smartcn";
            case CJK -> "cjk";
            case STANDARD -> "standard";
            case ICU -> "icu_analyzer";
        };
    }

    /** The OpenSearch plugin {@code analyzer} needs on every node, or null when it is built in. */
    static String pluginOf(TextAnalyzer analyzer) {
        return switch (analyzer) {
            case CHINESE -> "analysis-smartcn";
            case ICU -> "analysis-icu";
            default -> null;
        };
    }

    static final int MAX_ID_BYTES = 512;
    /** Lucene's limit on one exact term (keyword value), in UTF-8 bytes. */
    static final int MAX_TERM_BYTES = 32766;
    static final String FIELDS = "fields";
    static final String TEXT = "text";
    static final String TEXT_PREFIX = "txt";
    static final String KEYWORD_PREFIX = "kw";
    static final String NUMERIC_PREFIX = "num";
    static final String VECTOR = "vector";
    static final String NAMED_VECTOR_PREFIX = "vec_";
    static final String PASSAGES = "passages";
    /** The passages' vector field as a query names it. */
    static final String PASSAGE_VECTOR = PASSAGES + "." + VECTOR;

    private DocumentLayout() {
    }

    /** The index settings and mapping of a new collection index. */
    static ObjectNode indexDefinition(CollectionMeta meta, OpenSearchStoreOptions options, String alias) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ObjectNode settings = body.putObject("settings").putObject("index");
        settings.put("knn", true);
        settings.put("number_of_shards", options.shards());
        settings.put("number_of_replicas", options.replicas());
        settings.put("refresh_interval", options.refreshInterval());
        // OpenSearch's default, set explicitly so no index template can turn it off: a bulk request is answered only
        // once it is fsynced in the translog of every in-sync copy, which is what makes an acknowledged write durable.
        settings.putObject("translog").put("durability", "request");
        ObjectNode mappings = body.putObject("mappings");
        mappings.put("dynamic", "strict");
        mappings.putObject("_meta").set(CollectionMeta.KEY, meta.toJson());
        ObjectNode properties = mappings.putObject("properties");
        properties.putObject(FIELDS).put("type", "object").put("enabled", false);
        CollectionSchema schema = meta.schema();
        String analyzer = analyzerName(schema.analyzer());
        properties.putObject(TEXT).put("type", "text").put("analyzer", analyzer);
        ObjectNode perField = properties.putObject(TEXT_PREFIX).putObject("properties");
        schema.textFields().forEach(f -> perField.putObject(f).put("type", "text").put("analyzer", analyzer));
        ObjectNode keywords = properties.putObject(KEYWORD_PREFIX).putObject("properties");
        schema.keywordFields().forEach(f -> keywords.putObject(f).put("type", "keyword"));
        ObjectNode numbers = properties.putObject(NUMERIC_PREFIX).putObject("properties");
        schema.numericFields().forEach(f -> numbers.putObject(f).put("type", "double"));
        knnVector(properties.putObject(VECTOR), meta.stamp(), schema);
        for (dev.mmsearch.core.VectorField field : schema.vectors()) {
            knnVector(properties.putObject(vectorField(field.name())), field.stamp(), schema);
        }
        if (schema.hasPassages()) {
            ObjectNode passages = properties.putObject(PASSAGES);
            passages.put("type", "nested");
            ObjectNode inner = passages.putObject("properties");
            knnVector(inner.putObject(VECTOR), meta.stamp(), schema);
            inner.putObject("start").put("type", "integer").put("index", false);
            inner.putObject("end").put("type", "integer").put("index", false);
        }
        if (alias != null) {
            body.putObject("aliases").putObject(alias);
        }
        return body;
    }

    private static void knnVector(ObjectNode vector, ModelStamp stamp, CollectionSchema schema) {
        vector.put("type", "knn_vector");
        vector.put("dimension", stamp.dimension());
        ObjectNode method = vector.putObject("method");
        method.put("name", "hnsw");
        method.put("engine", "lucene");
        method.put("space_type", spaceType(stamp.metric()));
        method.putObject("parameters").put("m", schema.hnsw().m()).put("ef_construction", schema.hnsw().beamWidth());
    }

    /** The index field of named vector field {@code name}; null: the main vector ({@value #VECTOR}). */
    static String vectorField(String name) {
        return name == null ? VECTOR : NAMED_VECTOR_PREFIX + name;
    }

    static String spaceType(VectorSimilarity metric) {
        return switch (metric) {
            case COSINE -> "cosinesimil";
            case DOT_PRODUCT -> "innerproduct";
            case EUCLIDEAN -> "l2";
        };
    }

    /** The k-NN plugin's Lucene-engine score as the metric's similarity (the embedded store's scale). */
    static float similarity(VectorSimilarity metric, float score) {
        return switch (metric) {
            case COSINE -> Math.max(-1f, Math.min(1f, 2f * score - 1f));
            case DOT_PRODUCT -> score < 1f ? 1f - 1f / score : score - 1f;
            case EUCLIDEAN -> score;
        };
    }

    /**
     * The {@code _source} of a document of collection {@code collection}.
     *
     * @throws MmsearchException INVALID_INPUT for an id over {@value #MAX_ID_BYTES} bytes, a keyword value over
     *                           {@value #MAX_TERM_BYTES}, a vector that does not fit, fields that are not JSON or a
     *                           numeric field that is not numbers
     */
    static ObjectNode toSource(String collection, ModelStamp stamp, CollectionSchema schema,
                               EmbeddedDocument embedded) {
        String id = embedded.id();
        int idBytes = id.getBytes(StandardCharsets.UTF_8).length;
        if (idBytes > MAX_ID_BYTES) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + FieldValues.abbreviate(id) + "': id is "
                    + idBytes + " bytes long, more than the " + MAX_ID_BYTES + " OpenSearch allows; nothing of this"
                    + " batch was written");
        }
        if (schema.hasPassages() != !embedded.passages().isEmpty()) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + FieldValues.abbreviate(id)
                    + "': collection '" + collection + (schema.hasPassages() ? "' splits field '"
                    + schema.passages().field() + "' into passages, but the document has none"
                    : "' has no passages, but the document has " + embedded.passages().size())
                    + "; nothing of this batch was written");
        }
        for (dev.mmsearch.core.Passage passage : embedded.passages()) {
            FieldValues.requireValidVector(collection, stamp, new EmbeddedDocument(embedded.document(),
                    passage.vector()));
        }
        FieldValues.requireValidVector(collection, stamp, embedded);
        FieldValues.requireValidNamedVectors(collection, schema, embedded);
        Document document = embedded.document();
        ObjectNode source = Json.MAPPER.createObjectNode();
        try {
            source.set(FIELDS, Json.MAPPER.valueToTree(document.fields()));
        } catch (RuntimeException e) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + FieldValues.abbreviate(id)
                    + "': fields cannot be stored as JSON (" + e.getMessage() + ")", e);
        }
        FieldValues.IndexedText text = FieldValues.indexedText(schema, document.fields());
        if (text.all() != null) {
            source.put(TEXT, text.all());
        }
        if (!text.perField().isEmpty()) {
            ObjectNode perField = source.putObject(TEXT_PREFIX);
            text.perField().forEach(perField::put);
        }
        ObjectNode keywords = Json.MAPPER.createObjectNode();
        for (String field : schema.keywordFields()) {
            List<String> values = FieldValues.strings(document.fields().get(field));
            if (!values.isEmpty()) {
                ArrayNode array = keywords.putArray(field);
                for (String value : values) {
                    FieldValues.requireTermLength(id, "keyword field '" + field + "'", value, MAX_TERM_BYTES);
                    array.add(value);
                }
            }
        }
        if (!keywords.isEmpty()) {
            source.set(KEYWORD_PREFIX, keywords);
        }
        ObjectNode numbers = Json.MAPPER.createObjectNode();
        for (String field : schema.numericFields()) {
            List<Double> values = FieldValues.numbers(id, field, document.fields().get(field));
            if (!values.isEmpty()) {
                ArrayNode array = numbers.putArray(field);
                values.forEach(array::add);
            }
        }
        if (!numbers.isEmpty()) {
            source.set(NUMERIC_PREFIX, numbers);
        }
        source.set(VECTOR, floats(embedded.vector()));
        embedded.named().forEach((field, vector) -> source.set(vectorField(field), floats(vector)));
        if (!embedded.passages().isEmpty()) {
            ArrayNode passages = source.putArray(PASSAGES);
            for (dev.mmsearch.core.Passage passage : embedded.passages()) {
                passages.addObject().put("start", passage.start()).put("end", passage.end())
                        .set(VECTOR, floats(passage.vector()));
            }
        }
        return source;
    }

    static ArrayNode floats(float[] vector) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (float value : vector) {
            array.add(value);
        }
        return array;
    }

    static float[] vectorOf(JsonNode source) {
        return floatsOf(source.path(VECTOR));
    }

    /** The named vectors in {@code source}: the schema's fields it holds. */
    static Map<String, float[]> namedOf(JsonNode source, CollectionSchema schema) {
        Map<String, float[]> named = new java.util.HashMap<>();
        for (dev.mmsearch.core.VectorField field : schema.vectors()) {
            JsonNode array = source.path(vectorField(field.name()));
            if (array.isArray()) {
                named.put(field.name(), floatsOf(array));
            }
        }
        return named;
    }

    /** The passages in {@code source}, in text order. */
    static List<dev.mmsearch.core.Passage> passagesOf(JsonNode source) {
        List<dev.mmsearch.core.Passage> passages = new java.util.ArrayList<>();
        for (JsonNode passage : source.path(PASSAGES)) {
            passages.add(new dev.mmsearch.core.Passage(passage.path("start").asInt(), passage.path("end").asInt(),
                    floatsOf(passage.path(VECTOR))));
        }
        return passages;
    }

    private static float[] floatsOf(JsonNode array) {
        float[] vector = new float[array.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = array.get(i).floatValue();
        }
        return vector;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> fieldsOf(JsonNode source) {
        JsonNode fields = source.path(FIELDS);
        return fields.isObject() ? Json.MAPPER.convertValue(fields, Map.class) : Map.of();
    }
}
