package dev.mmsearch.server.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.image.ImageLimits;
import dev.mmsearch.ingest.BulkBody;
import dev.mmsearch.ingest.DocumentEmbedder;
import dev.mmsearch.ingest.OnlineWriter;
import dev.mmsearch.server.Engine;
import dev.mmsearch.server.ImageStore;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Images written into an image collection while it serves: one image and its fields per request, as
 * {@code multipart/form-data} with a file part {@code image}, the document's {@code id}, and its fields either as one
 * JSON object in a part {@code fields} or as one form part per field (strings; repeated parts make a list; a numeric
 * field's part is read as a number), e.g.
 * {@code curl -F id=cat-1 -F image=@cat.jpg -F 'fields={"caption": "a cat"}' .../documents}.
 *
 * <p>Two addresses, because clients come from two habits: {@code POST /api/v1/collections/{name}/documents} (the
 * bulk-write URL, the content type picking the form, as search takes JSON or an uploaded image at one URL; what a
 * Marqo or HTML-form user posts) with {@code id} as a part, and {@code PUT .../documents/{id}} (Elasticsearch's
 * {@code PUT /index/_doc/id}, Qdrant's upsert by id: idempotent, the id in the path; an {@code id} part must then be
 * the same). Both upsert and answer one bulk item, {@code {position, id, result, sha256, image, thumbnail}}.
 *
 * <p>The image is checked before anything is written: over {@link ImageLimits#maxBytes()} it is 413 (before it is
 * read), not an image the decoder reads 415, a header declaring more than {@link ImageLimits#maxPixels()} pixels 413,
 * the same answers an uploaded search image gets; nothing is stored and nothing indexed. A good image is stored
 * content-addressed in the data directory ({@link ImageStore}), its path goes into the schema's image field, and the
 * document is embedded with the collection's vision tower through {@link OnlineWriter}: a 2xx means committed (durable
 * and searchable). The image and thumbnail endpoints ({@link ImageController}) then serve it by document id.
 *
 * <p>A text collection refuses an upload (400: write its documents as JSON). JSON writes into an image collection are
 * refused by {@link DocumentsController}: a path sent by a client would name a file on the server's disk. Deleting a
 * document leaves its stored image (other documents may share it). An admin key is needed ({@code AccessRules}).
 */
@RestController
@RequestMapping("/api/v1/collections/{name}/documents")
class ImageDocumentsController {
    private static final Logger log = LoggerFactory.getLogger(ImageDocumentsController.class);
    /** Form parts that are not document fields. */
    private static final Set<String> RESERVED = Set.of("id", "fields", "image");

    /** For writers that only delete (an image collection's deletes need no model): any embedding is a bug. */
    static final DocumentEmbedder NO_EMBEDDING = new DocumentEmbedder() {
        @Override
        public dev.mmsearch.core.ModelStamp stamp() {
            throw new IllegalStateException("a deleting writer embeds nothing");
        }

        @Override
        public String input(dev.mmsearch.core.Document document) {
            throw new IllegalStateException("a deleting writer embeds nothing");
        }

        @Override
        public String emptyReason() {
            throw new IllegalStateException("a deleting writer embeds nothing");
        }

        @Override
        public int[] lengths(List<String> inputs) {
            throw new IllegalStateException("a deleting writer embeds nothing");
        }

        @Override
        public float[][] embed(List<String> inputs) {
            throw new IllegalStateException("a deleting writer embeds nothing");
        }
    };

    private final Engine engine;
    private final ImageStore images;
    private final BulkBody.Limits limits;
    private final CollectionWrites writes;
    private final WriteEmbedding embedding;

    ImageDocumentsController(Engine engine, CollectionWrites writes, WriteEmbedding embedding,
                             @Value("${mmsearch.write.max-field-chars:1000000}") int maxFieldChars) {
        this.engine = engine;
        this.writes = writes;
        this.embedding = embedding;
        this.images = new ImageStore(engine.dataDirectory().uploadedImages(), ImageLimits.DEFAULTS);
        this.limits = new BulkBody.Limits(1, maxFieldChars);
    }

    /** The answer: the bulk item of the one document, plus the stored image's hash and where it is served. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ImageItem(int position, String id, String result, String sha256, String image, String thumbnail) {
    }

    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    ImageItem upload(@PathVariable String name, @RequestPart(name = "image", required = false) MultipartFile image,
                     @RequestParam MultiValueMap<String, String> form) throws IOException {
        return write(name, single(form, "id"), image, form);
    }

    @PutMapping(path = "/{id}", consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    ImageItem replace(@PathVariable String name, @PathVariable String id,
                      @RequestPart(name = "image", required = false) MultipartFile image,
                      @RequestParam MultiValueMap<String, String> form) throws IOException {
        String partId = single(form, "id");
        if (partId != null && !partId.equals(id)) {
            throw MmsearchException.badRequest("the form's 'id' ('" + partId + "') is not the path's '" + id + "'");
        }
        return write(name, id, image, form);
    }

    private ImageItem write(String name, String id, MultipartFile image, MultiValueMap<String, String> form)
            throws IOException {
        long start = System.nanoTime();
        SearchCollection collection = engine.store().get(CollectionStore.validateName(name));
        CollectionSchema schema = collection.schema();
        if (!schema.isImageCollection()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "collection '" + name + "' holds text, not"
                    + " images: write its documents as JSON (POST .../documents with application/json or"
                    + " application/x-ndjson)");
        }
        if (id == null || id.isBlank()) {
            throw MmsearchException.badRequest("an image upload needs the document's id as a form part 'id' (or PUT"
                    + " .../documents/{id})");
        }
        if (image == null || image.isEmpty()) {
            throw MmsearchException.badRequest("an image upload needs a non-empty file part named 'image'");
        }
        long maxBytes = images.limits().maxBytes();
        if (image.getSize() > maxBytes) {
            throw new MmsearchException(ErrorCode.PAYLOAD_TOO_LARGE, "image is " + image.getSize()
                    + " bytes, over the limit of " + maxBytes + " bytes; send a smaller file");
        }
        ObjectNode document = document(id, schema, form);
        checked(document); // the fields are checked before the image is stored
        ImageStore.Stored stored = images.store(collection.name(), image.getBytes());
        document.put(schema.imageField(), stored.reference());
        BulkBody.Item item = checked(document);
        DocumentEmbedder embedder = embedding.wrap(collection.name(), DocumentEmbedder.image(
                engine.encoders().imageEncoder(collection.stamp().modelId()), schema, engine.imageRoots(), maxBytes));
        OnlineWriter writer = new OnlineWriter(collection, embedder, writes.commitsOf(collection), 1);
        OnlineWriter.Outcome outcome = writer.upsert(List.of(item)).getFirst();
        if (outcome.failed()) {
            // The stored file stays: it may be shared by another document, and an upload of it again reuses it.
            throw new MmsearchException(ErrorCode.INVALID_INPUT, outcome.code() + ": " + outcome.message());
        }
        log.info("wrote image document collection={} id={} result={} sha256={} newFile={} ms={}", name, id,
                outcome.result(), stored.sha256(), stored.written(), Math.round((System.nanoTime() - start) / 1e6));
        String query = "?id=" + URLEncoder.encode(id, StandardCharsets.UTF_8);
        String base = "/api/v1/collections/" + collection.name() + "/";
        return new ImageItem(outcome.position(), outcome.id(), outcome.result(), stored.sha256(),
                base + "image" + query, base + "thumbnail" + query);
    }

    private BulkBody.Item checked(ObjectNode document) {
        BulkBody.Item item = BulkBody.parseOne(document, limits);
        if (!item.ok()) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, item.code() + ": " + item.message());
        }
        return item;
    }

    /** The document as a bulk element: {@code id}, the {@code fields} part's object, then the per-field parts. */
    private static ObjectNode document(String id, CollectionSchema schema, MultiValueMap<String, String> form) {
        ObjectNode document = Json.MAPPER.createObjectNode();
        String fields = single(form, "fields");
        if (fields != null && !fields.isBlank()) {
            JsonNode parsed;
            try {
                parsed = Json.MAPPER.readTree(fields);
            } catch (JacksonException e) {
                throw MmsearchException.badRequest("form part 'fields' is not JSON: " + e.getOriginalMessage());
            }
            if (parsed == null || !parsed.isObject()) {
                throw MmsearchException.badRequest("form part 'fields' must be a JSON object of the document's"
                        + " fields, e.g. {\"caption\": \"a red circle\"}");
            }
            document.setAll((ObjectNode) parsed);
        }
        form.forEach((field, values) -> {
            if (RESERVED.contains(field)) {
                return;
            }
            if (document.has(field)) {
                throw MmsearchException.badRequest("field '" + field + "' is given both in 'fields' and as a form"
                        + " part; give it once");
            }
            List<JsonNode> nodes = values.stream().map(v -> formValue(schema, field, v)).toList();
            document.set(field, nodes.size() == 1 ? nodes.getFirst() : Json.MAPPER.createArrayNode().addAll(nodes));
        });
        if (document.has("id")) {
            throw MmsearchException.badRequest("give the id as the form part 'id' (or in the path), not inside"
                    + " 'fields'");
        }
        if (document.has(schema.imageField())) {
            throw MmsearchException.badRequest("field '" + schema.imageField() + "' is the collection's image field:"
                    + " the server sets it to the uploaded image; send the image as the file part 'image'");
        }
        document.put("id", id);
        return document;
    }

    /** A per-field form value: a number for a numeric field when it reads as one, else the string. */
    private static JsonNode formValue(CollectionSchema schema, String field, String value) {
        if (schema.numericFields().contains(field)) {
            try {
                JsonNode number = Json.MAPPER.readTree(value);
                if (number != null && number.isNumber()) {
                    return number;
                }
            } catch (JacksonException e) {
                // left a string: the writer names the field and its value
            }
        }
        return Json.MAPPER.getNodeFactory().stringNode(value);
    }

    private static String single(MultiValueMap<String, String> form, String part) {
        List<String> values = form.get(part);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw MmsearchException.badRequest("form part '" + part + "' is given " + values.size() + " times; give"
                    + " it once");
        }
        return values.getFirst();
    }
}
