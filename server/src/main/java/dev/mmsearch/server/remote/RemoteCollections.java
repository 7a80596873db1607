package dev.mmsearch.server.remote;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.VectorEncoding;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/** Collections on a running server: looked up, and created from a schema as a local run would create them. */
public final class RemoteCollections {
    private RemoteCollections() {
    }

    /** The collection's info ({@code GET /api/v1/collections/NAME}), or empty when the server has no such one. */
    public static Optional<JsonNode> info(RemoteServer server, String collection) {
        RemoteServer.Response response = server.send("GET", RemoteServer.collectionPath(collection, ""), null, null);
        if (response.status() == 404) {
            return Optional.empty();
        }
        if (!response.ok()) {
            throw server.error(response, "the lookup of collection '" + collection + "'");
        }
        return Optional.of(response.body());
    }

    /**
     * Makes sure the server holds {@code collection} with {@code schema}: creates it with {@code model} and
     * {@code encoding} when it does not exist ({@code PUT}); when it exists with this schema (and, when
     * {@code modelGiven}, this model) it is used as it is, keeping its model and encoding as a local run does;
     * otherwise the {@code PUT} is sent anyway and the server's 409 message, naming the difference, is thrown.
     *
     * @return the collection's info
     * @throws MmsearchException COLLECTION_EXISTS (it exists with another schema or model), MODEL_NOT_FOUND, ...
     */
    public static JsonNode ensure(RemoteServer server, String collection, CollectionSchema schema, String model,
                                  boolean modelGiven, VectorEncoding encoding) {
        if (schema.isImageCollection()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "collection '" + collection + "' is an image"
                    + " collection; the server's write API takes text documents only: index images without --server"
                    + " (stop the server first)");
        }
        Optional<JsonNode> existing = info(server, collection);
        if (existing.isPresent() && sameSchema(schema, existing.get())
                && (!modelGiven || model.equals(existing.get().path("stamp").path("modelId").asString()))) {
            return existing.get();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model);
        body.put("embed", schema.embedTemplate());
        body.put("textFields", schema.textFields());
        body.put("keywordFields", schema.keywordFields());
        body.put("numericFields", schema.numericFields());
        body.put("vectorEncoding", encoding.label());
        body.put("hnsw", schema.hnsw().toJson());
        body.put("analyzer", schema.analyzer().label());
        if (schema.hasPassages()) {
            body.put("passages", schema.passages().toJson());
        }
        RemoteServer.Response response = server.send("PUT", RemoteServer.collectionPath(collection, ""),
                "application/json", Json.MAPPER.writeValueAsBytes(body));
        if (!response.ok()) {
            throw server.error(response, "the creation of collection '" + collection + "'");
        }
        return response.body();
    }

    /** Whether the collection {@code info} has {@code schema} (compared field by field, as JSON). */
    public static boolean sameSchema(CollectionSchema schema, JsonNode info) {
        return same(Json.MAPPER.valueToTree(schema), info.path("schema"), "embedTemplate", "textFields",
                "keywordFields", "numericFields", "imageField", "hnsw", "passages");
    }

    /** Whether the collection {@code info} has {@code stamp} (id, checksum, dimension and metric). */
    public static boolean sameStamp(dev.mmsearch.core.ModelStamp stamp, JsonNode info) {
        return same(Json.MAPPER.valueToTree(stamp), info.path("stamp"), "modelId", "checksum", "dimension", "metric");
    }

    private static boolean same(JsonNode expected, JsonNode actual, String... fields) {
        for (String field : fields) {
            JsonNode a = expected.path(field);
            JsonNode b = actual.path(field);
            boolean absentA = a.isMissingNode() || a.isNull();
            boolean absentB = b.isMissingNode() || b.isNull();
            if (absentA != absentB || (!absentA && !a.equals(b))) {
                return false;
            }
        }
        return true;
    }
}
