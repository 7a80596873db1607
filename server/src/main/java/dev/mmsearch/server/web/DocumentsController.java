package dev.mmsearch.server.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.DocumentVersion;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.GroupCommit;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.ingest.BulkBody;
import dev.mmsearch.ingest.DocumentEmbedder;
import dev.mmsearch.ingest.OnlineWriter;
import dev.mmsearch.server.Engine;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Documents written into a collection while it serves ({@code /api/v1/collections/{name}/documents}): bulk upsert
 * (NDJSON or a JSON array), get, delete by id and delete by filter. The server embeds with the collection's model
 * ({@link OnlineWriter}); a 2xx answer means the write is committed (durable and searchable: {@link GroupCommit}).
 * Writes need an admin key ({@code AccessRules}: every non-search POST and every DELETE is ADMIN); the body is limited
 * by {@code mmsearch.security.max-json-body} and the document count by {@code mmsearch.write.max-documents}. A document
 * with its own {@code "_vector"} (in a collection with passages: its own {@code "_passages"}) is stored without running
 * the model; {@code mmsearch.write.embedded} counts those
 * the model embedded.
 */
@RestController
@RequestMapping("/api/v1/collections/{name}/documents")
class DocumentsController {
    private static final Logger log = LoggerFactory.getLogger(DocumentsController.class);

    private final Engine engine;
    private final WriteEmbedding embedding;
    private final BulkBody.Limits limits;
    private final CollectionWrites writes;

    DocumentsController(Engine engine, CollectionWrites writes, WriteEmbedding embedding,
                        @Value("${mmsearch.write.max-documents:10000}") int maxDocuments,
                        @Value("${mmsearch.write.max-field-chars:1000000}") int maxFieldChars) {
        this.engine = engine;
        this.writes = writes;
        this.embedding = embedding;
        this.limits = new BulkBody.Limits(maxDocuments, maxFieldChars);
    }

    /** The answer of a bulk write: whether any document failed, and each document's outcome in body order. */
    record BulkAnswer(boolean errors, int written, int failed, double tookMs, List<Item> items) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Item(int position, String id, String result, String code, String message, String version) {
        Item(int position, String id, String result, String code, String message) {
            this(position, id, result, code, message, null);
        }

        /**
         * The item's outcome as an HTTP status, as Elasticsearch's bulk items give it: 201, 200, or for a failure 404
         * (a merge into a missing document), 409 (a merge that met a concurrent write) or 400.
         */
        @com.fasterxml.jackson.annotation.JsonProperty("status")
        int status() {
            if (code != null) {
                return switch (code) {
                    case OnlineWriter.DOCUMENT_MISSING -> 404;
                    case OnlineWriter.VERSION_CONFLICT -> 409;
                    default -> 400;
                };
            }
            return switch (result) {
                case "created" -> 201;
                case "failed" -> 400;
                default -> 200;
            };
        }
    }

    @PostMapping(consumes = {"application/x-ndjson", MediaType.APPLICATION_JSON_VALUE},
            produces = MediaType.APPLICATION_JSON_VALUE)
    BulkAnswer upsert(@PathVariable String name, @RequestBody(required = false) byte[] body,
                      @RequestHeader(name = "Content-Type", required = false) String contentType,
                      @RequestParam(name = "refresh", required = false) String refresh,
                      @RequestParam(name = "merge", defaultValue = "false") boolean merge) {
        long start = System.nanoTime();
        checkRefresh(refresh);
        SearchCollection collection = engine.store().get(CollectionStore.validateName(name));
        boolean ndjson = contentType != null && contentType.toLowerCase(java.util.Locale.ROOT)
                .startsWith("application/x-ndjson");
        List<BulkBody.Item> items = BulkBody.parse(body, ndjson, limits);
        OnlineWriter writer = writer(collection);
        List<OnlineWriter.Outcome> outcomes = merge ? writer.merge(items) : writer.upsert(items);
        List<Item> answer = outcomes.stream().map(o -> new Item(o.position(), o.id(), o.result(), o.code(),
                o.message())).toList();
        int failed = (int) outcomes.stream().filter(OnlineWriter.Outcome::failed).count();
        double took = (System.nanoTime() - start) / 1e6;
        log.info("wrote collection={} documents={} failed={} ms={}", name, outcomes.size() - failed, failed,
                Math.round(took));
        return new BulkAnswer(failed > 0, outcomes.size() - failed, failed, took, answer);
    }

    /** The stored document, with its {@link DocumentVersion version} as the {@code ETag} header. */
    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Document> get(@PathVariable String name, @PathVariable String id) {
        SearchCollection collection = engine.store().get(CollectionStore.validateName(name));
        Document document = collection.fetch(List.of(id)).get(id);
        if (document == null) {
            throw new MmsearchException(ErrorCode.NOT_FOUND, "collection '" + name + "' has no document '" + id + "'");
        }
        return ResponseEntity.ok().eTag(DocumentVersion.etag(DocumentVersion.of(document))).body(document);
    }

    /**
     * The {@code refresh} parameter of a write, as Elasticsearch and OpenSearch clients send it. Every answer here
     * comes after the commit that makes the write durable, and that commit also makes it searchable, so
     * {@code wait_for}, {@code true} and {@code false} all answer once the write is searchable; other values are
     * refused rather than ignored.
     */
    private static void checkRefresh(String refresh) {
        if (refresh != null && !List.of("", "true", "false", "wait_for").contains(refresh)) {
            throw MmsearchException.badRequest("refresh must be true, false or wait_for, got '" + refresh
                    + "' (every acknowledged write is already searchable: the commit that makes it durable refreshes)");
        }
    }

    /** The answer of a single-document write: its outcome, its new version in the body and as the ETag. */
    private static ResponseEntity<Item> written(SearchCollection collection, OnlineWriter.Outcome outcome) {
        Item item = answer(outcome);
        Document now = collection.fetch(List.of(outcome.id())).get(outcome.id());
        if (now == null) {
            return ResponseEntity.ok(item);
        }
        String version = DocumentVersion.of(now);
        return ResponseEntity.ok().eTag(DocumentVersion.etag(version)).body(new Item(item.position(), item.id(),
                item.result(), null, null, version));
    }

    /**
     * Replaces document {@code id} with the fields in the body (an {@code id} in the body must be the same). With
     * {@code If-Match: "<version>"} only if the document is at that version (409 version_conflict otherwise).
     */
    @PutMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Item> replace(@PathVariable String name, @PathVariable String id,
                                 @RequestBody(required = false) JsonNode body,
                                 @RequestHeader(name = "If-Match", required = false) String ifMatch,
                                 @RequestParam(name = "refresh", required = false) String refresh) {
        checkRefresh(refresh);
        String ifVersion = DocumentVersion.fromIfMatch(ifMatch);
        SearchCollection collection = engine.store().get(CollectionStore.validateName(name));
        fieldsOf(id, body); // checks the body and its id
        tools.jackson.databind.node.ObjectNode document = ((tools.jackson.databind.node.ObjectNode) body).deepCopy();
        document.put("id", id);
        return written(collection, writer(collection).upsert(List.of(BulkBody.parseOne(document, limits)), ifVersion)
                .getFirst());
    }

    /**
     * Merges the body's fields into document {@code id} (null removes a field). A patch that leaves the embedded text
     * as it was keeps the stored vector: the model does not run. 404 when there is no such document; with
     * {@code If-Match}, 409 version_conflict when it is not at that version.
     */
    @PatchMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Item> patch(@PathVariable String name, @PathVariable String id,
                               @RequestBody(required = false) JsonNode body,
                               @RequestHeader(name = "If-Match", required = false) String ifMatch,
                               @RequestParam(name = "refresh", required = false) String refresh) {
        checkRefresh(refresh);
        String ifVersion = DocumentVersion.fromIfMatch(ifMatch);
        SearchCollection collection = engine.store().get(CollectionStore.validateName(name));
        Map<String, Object> changes = fieldsOf(id, body);
        OnlineWriter.Outcome outcome = writer(collection).patch(id, changes, ifVersion);
        if (outcome == null) {
            throw new MmsearchException(ErrorCode.NOT_FOUND, "collection '" + name + "' has no document '" + id
                    + "' to patch; write it with PUT or the bulk endpoint");
        }
        return written(collection, outcome);
    }

    private static Item answer(OnlineWriter.Outcome outcome) {
        if (outcome.failed()) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, outcome.code() + ": " + outcome.message());
        }
        return new Item(outcome.position(), outcome.id(), outcome.result(), null, null);
    }

    /** The body's fields as a mutable map; {@code id} may be left out or must equal the path's. */
    private static Map<String, Object> fieldsOf(String id, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw MmsearchException.badRequest("the body must be a JSON object of the document's fields");
        }
        JsonNode bodyId = body.get("id");
        if (bodyId != null && !bodyId.isNull() && !(bodyId.isString() && bodyId.asString().equals(id))) {
            throw MmsearchException.badRequest("the body's \"id\" (" + bodyId + ") is not the path's '" + id + "'");
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        body.properties().forEach(e -> {
            if (!e.getKey().equals("id")) {
                fields.put(e.getKey(), e.getValue().isNull() ? null
                        : dev.mmsearch.core.Json.MAPPER.convertValue(e.getValue(), Object.class));
            }
        });
        return fields;
    }

    /** Deletes document {@code id}; with {@code If-Match}, only if it is at that version (409 otherwise). */
    @DeleteMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> delete(@PathVariable String name, @PathVariable String id,
                               @RequestHeader(name = "If-Match", required = false) String ifMatch,
                               @RequestParam(name = "refresh", required = false) String refresh) {
        checkRefresh(refresh);
        String ifVersion = DocumentVersion.fromIfMatch(ifMatch);
        SearchCollection collection = engine.store().get(CollectionStore.validateName(name));
        boolean existed = !deleter(collection).delete(List.of(id), ifVersion).isEmpty();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", id);
        answer.put("result", existed ? "deleted" : "not_found");
        return answer;
    }

    /** Deletes every document matching {@code {"filter": ...}} (keyword and numeric fields). */
    @PostMapping(path = "/delete", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> deleteMatching(@PathVariable String name, @RequestBody(required = false) JsonNode body,
                                       @RequestParam(name = "refresh", required = false) String refresh) {
        checkRefresh(refresh);
        SearchCollection collection = engine.store().get(CollectionStore.validateName(name));
        if (body == null || !body.isObject() || body.get("filter") == null || body.get("filter").isNull()) {
            throw MmsearchException.badRequest("delete by filter needs {\"filter\": ...}, e.g."
                    + " {\"filter\": {\"term\": {\"category\": \"old\"}}}; to delete the whole collection, DELETE it");
        }
        Filter filter = Filter.parse(body.get("filter"));
        long deleted = deleter(collection).deleteMatching(filter);
        return Map.of("deleted", deleted);
    }

    /** Deletes embed nothing, so image collections delete here too (their stored images stay: ImageStore). */
    private OnlineWriter deleter(SearchCollection collection) {
        return !collection.schema().isImageCollection() ? writer(collection) : new OnlineWriter(collection,
                ImageDocumentsController.NO_EMBEDDING, writes.commitsOf(collection), 1);
    }

    private OnlineWriter writer(SearchCollection collection) {
        CollectionSchema schema = collection.schema();
        if (schema.isImageCollection()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "collection '" + collection.name()
                    + "' is an image collection; upload each image with its fields as multipart/form-data (POST"
                    + " .../documents with parts 'id', 'image' and 'fields'): a JSON write cannot name image files");
        }
        DocumentEmbedder embedder = embedding.wrap(collection.name(), DocumentEmbedder.withNamedVectors(
                DocumentEmbedder.text(engine.encoders().textEncoder(collection.stamp().modelId()), schema),
                collection.name(), schema, engine.encoders(), null, 0));
        GroupCommit group = writes.commitsOf(collection);
        return new OnlineWriter(collection, embedder, group, engine.options().batchSize());
    }
}
