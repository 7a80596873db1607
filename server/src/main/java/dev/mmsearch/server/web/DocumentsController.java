package dev.mmsearch.server.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.Document;
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
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Documents written into a collection while it serves ({@code /api/v1/collections/{name}/documents}): bulk upsert
 * (NDJSON or a JSON array), get, delete by id and delete by filter. The server embeds with the collection's model
 * ({@link OnlineWriter}); a 2xx answer means the write is committed (durable and searchable: {@link GroupCommit}).
 * Writes need an admin key ({@code AccessRules}: every non-search POST and every DELETE is ADMIN); the body is limited
 * by {@code mmsearch.security.max-json-body} and the document count by {@code mmsearch.write.max-documents}.
 */
@RestController
@RequestMapping("/api/v1/collections/{name}/documents")
class DocumentsController {
    private static final Logger log = LoggerFactory.getLogger(DocumentsController.class);

    private final Engine engine;
    private final BulkBody.Limits limits;
    /** One group commit per open collection (a re-indexed or re-created collection is another instance). */
    private final Map<SearchCollection, GroupCommit> commits = new ConcurrentHashMap<>();

    DocumentsController(Engine engine, @Value("${mmsearch.write.max-documents:10000}") int maxDocuments,
                        @Value("${mmsearch.write.max-field-chars:1000000}") int maxFieldChars) {
        this.engine = engine;
        this.limits = new BulkBody.Limits(maxDocuments, maxFieldChars);
    }

    /** The answer of a bulk write: whether any document failed, and each document's outcome in body order. */
    record BulkAnswer(boolean errors, int written, int failed, double tookMs, List<Item> items) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Item(int position, String id, String result, String code, String message) {
    }

    @PostMapping(consumes = {"application/x-ndjson", MediaType.APPLICATION_JSON_VALUE},
            produces = MediaType.APPLICATION_JSON_VALUE)
    BulkAnswer upsert(@PathVariable String name, @RequestBody(required = false) byte[] body,
                      @RequestHeader(name = "Content-Type", required = false) String contentType) {
        long start = System.nanoTime();
        SearchCollection collection = engine.store().get(CollectionStore.validateName(name));
        boolean ndjson = contentType != null && contentType.toLowerCase(java.util.Locale.ROOT)
                .startsWith("application/x-ndjson");
        List<BulkBody.Item> items = BulkBody.parse(body, ndjson, limits);
        List<OnlineWriter.Outcome> outcomes = writer(collection).upsert(items);
        List<Item> answer = outcomes.stream().map(o -> new Item(o.position(), o.id(), o.result(), o.code(),
                o.message())).toList();
        int failed = (int) outcomes.stream().filter(OnlineWriter.Outcome::failed).count();
        double took = (System.nanoTime() - start) / 1e6;
        log.info("wrote collection={} documents={} failed={} ms={}", name, outcomes.size() - failed, failed,
                Math.round(took));
        return new BulkAnswer(failed > 0, outcomes.size() - failed, failed, took, answer);
    }

    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    Document get(@PathVariable String name, @PathVariable String id) {
        SearchCollection collection = engine.store().get(CollectionStore.validateName(name));
        Document document = collection.fetch(List.of(id)).get(id);
        if (document == null) {
            throw new MmsearchException(ErrorCode.NOT_FOUND, "collection '" + name + "' has no document '" + id + "'");
        }
        return document;
    }

    /** Replaces document {@code id} with the fields in the body (an {@code id} in the body must be the same). */
    @PutMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    Item replace(@PathVariable String name, @PathVariable String id, @RequestBody(required = false) JsonNode body) {
        SearchCollection collection = engine.store().get(CollectionStore.validateName(name));
        fieldsOf(id, body); // checks the body and its id
        tools.jackson.databind.node.ObjectNode document = ((tools.jackson.databind.node.ObjectNode) body).deepCopy();
        document.put("id", id);
        return answer(writer(collection).upsert(List.of(BulkBody.parseOne(document, limits))).getFirst());
    }

    /**
     * Merges the body's fields into document {@code id} (null removes a field). A patch that leaves the embedded text
     * as it was keeps the stored vector: the model does not run. 404 when there is no such document.
     */
    @PatchMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    Item patch(@PathVariable String name, @PathVariable String id, @RequestBody(required = false) JsonNode body) {
        SearchCollection collection = engine.store().get(CollectionStore.validateName(name));
        Map<String, Object> changes = fieldsOf(id, body);
        OnlineWriter.Outcome outcome = writer(collection).patch(id, changes);
        if (outcome == null) {
            throw new MmsearchException(ErrorCode.NOT_FOUND, "collection '" + name + "' has no document '" + id
                    + "' to patch; write it with PUT or the bulk endpoint");
        }
        return answer(outcome);
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

    @DeleteMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> delete(@PathVariable String name, @PathVariable String id) {
        SearchCollection collection = engine.store().get(CollectionStore.validateName(name));
        boolean existed = !writer(collection).delete(List.of(id)).isEmpty();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", id);
        answer.put("result", existed ? "deleted" : "not_found");
        return answer;
    }

    /** Deletes every document matching {@code {"filter": ...}} (keyword and numeric fields). */
    @PostMapping(path = "/delete", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> deleteMatching(@PathVariable String name, @RequestBody(required = false) JsonNode body) {
        SearchCollection collection = engine.store().get(CollectionStore.validateName(name));
        if (body == null || !body.isObject() || body.get("filter") == null || body.get("filter").isNull()) {
            throw MmsearchException.badRequest("delete by filter needs {\"filter\": ...}, e.g."
                    + " {\"filter\": {\"term\": {\"category\": \"old\"}}}; to delete the whole collection, DELETE it");
        }
        Filter filter = Filter.parse(body.get("filter"));
        long deleted = writer(collection).deleteMatching(filter);
        return Map.of("deleted", deleted);
    }

    private OnlineWriter writer(SearchCollection collection) {
        CollectionSchema schema = collection.schema();
        if (schema.isImageCollection()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "collection '" + collection.name()
                    + "' is an image collection; writing images over the API is not supported yet: index image"
                    + " folders with `mmsearch index` (stop the server first)");
        }
        DocumentEmbedder embedder = DocumentEmbedder.text(engine.encoders().textEncoder(collection.stamp().modelId()),
                schema);
        GroupCommit group = commits.computeIfAbsent(collection, GroupCommit::new);
        return new OnlineWriter(collection, embedder, group, engine.options().batchSize());
    }
}
