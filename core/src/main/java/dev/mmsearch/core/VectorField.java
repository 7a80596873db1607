package dev.mmsearch.core;

import java.util.Objects;
import java.util.Set;

/**
 * A named vector field of a collection, besides its main vector (the one {@link CollectionSchema#embedTemplate()} and
 * the collection's {@link SearchCollection#stamp() stamp} describe): its own input and its own model, as Qdrant's,
 * Weaviate's and Vespa's named vectors. A product can carry a title vector from a text model and an image vector from
 * CLIP; a query names the field it searches ({@link VectorQuery#field()}), and recalls over several fields are fused by
 * the rank stages.
 *
 * @param name       the field's name: a lower-case letter, then lower-case letters, digits and '_' (e.g.
 *                   {@code title_emb}); at most {@value #MAX_NAME_LENGTH} characters
 * @param embed      for a text vector, the template of the text embedded ({@code "{title}"}); null for an image vector
 * @param imageField for an image vector, the field holding the image path; null for a text vector
 * @param stamp      the model this field's vectors come from; checked on every write and query as the main stamp is
 */
public record VectorField(String name, String embed, String imageField, ModelStamp stamp) {
    public static final int MAX_NAME_LENGTH = 64;
    /** Names a query or a write uses for other things. */
    private static final Set<String> RESERVED = Set.of("id", "vector", "main", "default");

    public VectorField {
        if (name == null || !name.matches("[a-z][a-z0-9_]*") || name.length() > MAX_NAME_LENGTH
                || RESERVED.contains(name)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "vector field name '" + name + "' is not allowed:"
                    + " use a lower-case letter, then lower-case letters, digits and '_' (at most " + MAX_NAME_LENGTH
                    + "), not one of " + RESERVED);
        }
        Objects.requireNonNull(stamp, "stamp");
        if ((embed == null) == (imageField == null)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "vector field '" + name + "' needs either an"
                    + " embed template (a text vector, e.g. \"{title}\") or an image field, not "
                    + (embed == null ? "neither" : "both"));
        }
        if (embed != null) {
            CollectionSchema.requireTemplate(embed);
        }
        if (imageField != null && !imageField.matches("[A-Za-z0-9_.-]+")) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "image field '" + imageField
                    + "' of vector field '" + name + "' is not a field name; use letters, digits, '_', '.' and '-'");
        }
    }

    /**
     * The one stored and wire form: {@code {"name": "title_emb", "embed": "{title}", "model": {"modelId", "checksum",
     * "dimension", "metric"}}} ({@code "imageField"} instead of {@code "embed"} for an image vector).
     */
    @com.fasterxml.jackson.annotation.JsonValue
    public tools.jackson.databind.node.ObjectNode toJson() {
        tools.jackson.databind.node.ObjectNode node = Json.MAPPER.createObjectNode().put("name", name);
        if (embed != null) {
            node.put("embed", embed);
        } else {
            node.put("imageField", imageField);
        }
        node.putObject("model").put("modelId", stamp.modelId()).put("checksum", stamp.checksum())
                .put("dimension", stamp.dimension()).put("metric", stamp.metric().name());
        return node;
    }

    /**
     * Reads {@link #toJson()}'s form.
     *
     * @throws MmsearchException INVALID_ARGUMENT saying what is missing
     */
    public static VectorField fromJson(tools.jackson.databind.JsonNode node) {
        tools.jackson.databind.JsonNode model = node == null ? null : node.path("model");
        if (node == null || !node.isObject() || !node.path("name").isString() || model == null || !model.isObject()
                || !model.path("modelId").isString() || !model.path("checksum").isString()
                || !model.path("dimension").isIntegralNumber() || !model.path("metric").isString()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "vector field " + node + " must be {\"name\","
                    + " \"embed\" or \"imageField\", \"model\": {\"modelId\", \"checksum\", \"dimension\", \"metric\"}}");
        }
        ModelStamp stamp;
        try {
            stamp = new ModelStamp(model.get("modelId").asString(), model.get("checksum").asString(),
                    model.get("dimension").intValue(), VectorSimilarity.valueOf(model.get("metric").asString()));
        } catch (IllegalArgumentException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "vector field " + node + " has a bad model: "
                    + e.getMessage(), e);
        }
        return new VectorField(node.get("name").asString(), node.path("embed").isString() ? node.get("embed").asString()
                : null, node.path("imageField").isString() ? node.get("imageField").asString() : null, stamp);
    }

    /** Every field of {@code fields} in {@link #toJson()}'s form, as a JSON list. */
    public static tools.jackson.databind.node.ArrayNode toJson(java.util.List<VectorField> fields) {
        tools.jackson.databind.node.ArrayNode list = Json.MAPPER.createArrayNode();
        fields.forEach(field -> list.add(field.toJson()));
        return list;
    }

    /** A JSON list of {@link #fromJson} forms; a missing or null node is none. */
    public static java.util.List<VectorField> listFromJson(tools.jackson.databind.JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return java.util.List.of();
        }
        if (!node.isArray()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "vector fields must be a list, got " + node);
        }
        java.util.List<VectorField> fields = new java.util.ArrayList<>();
        node.values().forEach(item -> fields.add(fromJson(item)));
        return java.util.List.copyOf(fields);
    }

    /** A text vector: {@code embed} through the model of {@code stamp}. */
    public static VectorField text(String name, String embed, ModelStamp stamp) {
        return new VectorField(name, embed, null, stamp);
    }

    /** An image vector of the image at {@code imageField}, through the image model of {@code stamp}. */
    public static VectorField image(String name, String imageField, ModelStamp stamp) {
        return new VectorField(name, null, imageField, stamp);
    }

    /** Whether the vectors come from images. */
    public boolean isImage() {
        return imageField != null;
    }

    /** This field with its vectors from another model (a reindex of the field). */
    public VectorField withStamp(ModelStamp other) {
        return new VectorField(name, embed, imageField, other);
    }

    /**
     * The input this field embeds for {@code document}: the rendered template for text, the image path for an image;
     * empty when the document has none (it then has no vector in this field).
     */
    public String input(Document document) {
        return isImage() ? document.text(imageField).strip() : CollectionSchema.render(embed, document);
    }
}
