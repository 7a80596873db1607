package dev.mmsearch.store.opensearch;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.TextAnalyzer;
import dev.mmsearch.core.HnswOptions;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.core.VectorSimilarity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a collection's index records about itself in its mapping's {@code _meta.mmsearch}: format, model stamp,
 * schema, vector encoding and creation time. Written once when the index is created (so it can never disagree
 * with the data), read whenever the collection is opened. Hand-written (not record serialisation) so the stored
 * form stays stable when the core records gain methods.
 */
record CollectionMeta(ModelStamp stamp, CollectionSchema schema, VectorEncoding encoding, Instant createdAt) {
    static final int FORMAT = 1;
    /** The format of a collection with named vector fields ({@code schema.vectors}): an older build refuses it. */
    static final int FORMAT_WITH_NAMED_VECTORS = 2;
    static final String KEY = "mmsearch";

    ObjectNode toJson() {
        ObjectNode meta = Json.MAPPER.createObjectNode();
        meta.put("format", schema.vectors().isEmpty() ? FORMAT : FORMAT_WITH_NAMED_VECTORS);
        ObjectNode s = meta.putObject("stamp");
        s.put("modelId", stamp.modelId());
        s.put("checksum", stamp.checksum());
        s.put("dimension", stamp.dimension());
        s.put("metric", stamp.metric().name());
        ObjectNode c = meta.putObject("schema");
        c.put("embedTemplate", schema.embedTemplate());
        strings(c.putArray("textFields"), schema.textFields());
        strings(c.putArray("keywordFields"), schema.keywordFields());
        strings(c.putArray("numericFields"), schema.numericFields());
        if (schema.imageField() != null) {
            c.put("imageField", schema.imageField());
        }
        c.set("hnsw", schema.hnsw().toJson());
        c.put("analyzer", schema.analyzer().label());
        if (!schema.vectors().isEmpty()) {
            c.set("vectors", dev.mmsearch.core.VectorField.toJson(schema.vectors()));
        }
        meta.put("encoding", encoding.label());
        meta.put("createdAt", createdAt.toString());
        return meta;
    }

    /**
     * Reads {@code _meta.mmsearch} of index {@code index}.
     *
     * @throws MmsearchException INTERNAL when it is missing or unreadable (an index mmsearch did not create)
     */
    static CollectionMeta fromJson(String index, JsonNode meta) {
        if (meta == null || meta.isMissingNode() || !meta.isObject()) {
            throw new MmsearchException(ErrorCode.INTERNAL, "OpenSearch index '" + index + "' has no mmsearch"
                    + " metadata in its mapping _meta; it was not created by mmsearch: delete or rename it");
        }
        int format = meta.path("format").asInt(-1);
        if (format != FORMAT && format != FORMAT_WITH_NAMED_VECTORS) {
            throw new MmsearchException(ErrorCode.INTERNAL, "OpenSearch index '" + index + "' has mmsearch metadata"
                    + " format " + format + ", this version reads formats " + FORMAT + " and "
                    + FORMAT_WITH_NAMED_VECTORS + "; upgrade mmsearch");
        }
        try {
            JsonNode s = meta.required("stamp");
            ModelStamp stamp = new ModelStamp(s.required("modelId").asString(), s.required("checksum").asString(),
                    s.required("dimension").asInt(), VectorSimilarity.valueOf(s.required("metric").asString()));
            JsonNode c = meta.required("schema");
            JsonNode image = c.path("imageField");
            CollectionSchema schema = new CollectionSchema(c.required("embedTemplate").asString(),
                    strings(c.path("textFields")), strings(c.path("keywordFields")), strings(c.path("numericFields")),
                    image.isString() ? image.asString() : null, HnswOptions.fromJson(c.path("hnsw")),
                    c.path("analyzer").isString() ? TextAnalyzer.parse(c.path("analyzer").asString()) : null)
                    .withVectors(dev.mmsearch.core.VectorField.listFromJson(c.path("vectors")));
            return new CollectionMeta(stamp, schema, VectorEncoding.parse(meta.path("encoding").asString("float32")),
                    Instant.parse(meta.required("createdAt").asString()));
        } catch (RuntimeException e) {
            if (e instanceof MmsearchException m && m.code() == ErrorCode.INTERNAL) {
                throw m;
            }
            throw new MmsearchException(ErrorCode.INTERNAL, "OpenSearch index '" + index + "' has unreadable"
                    + " mmsearch metadata (" + e.getMessage() + "); it was changed by hand or is damaged", e);
        }
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(value -> out.add(value.asString()));
        return out;
    }
}
