package dev.mmsearch.server.web;

import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.HnswOptions;
import dev.mmsearch.core.TextAnalyzer;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.server.Engine;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Collections created and deleted over the API while the service serves. {@code PUT /api/v1/collections/{name}}
 * with a schema creates one (201), answers 200 when one with the same model, schema and encoding exists, and 409
 * naming the difference otherwise (as Elasticsearch's create-index refuses an existing index, but idempotent for a
 * client that retries the same request). {@code DELETE} removes it with its data. Both need an admin key.
 */
@RestController
@RequestMapping("/api/v1/collections/{name}")
class CollectionsController {
    private final Engine engine;

    CollectionsController(Engine engine) {
        this.engine = engine;
    }

    /**
     * The schema of a collection to create: {@code model} (a model id this node serves), {@code textFields} (BM25,
     * and what is embedded), {@code embed} (the embed template; default: the text fields joined by ". "),
     * {@code keywordFields} and {@code numericFields} (filters), {@code vectorEncoding} (float32, int8, int4 or int1).
     * {@code imageField} makes an image collection: {@code model} must be a CLIP model, vectors come from the image
     * uploaded with each document (stored in that field, see {@code ImageDocumentsController}), {@code textFields}
     * (default {@code ["captions", "caption"]}, as {@code mmsearch index} of an image folder) are BM25 only, and
     * {@code embed} is not used. {@code hnsw} ({@code {"m": 16, "beamWidth": 100}}, either may be left out) says how
     * the vector graph is built. {@code analyzer} ({@code english}, the default, {@code chinese}, {@code cjk},
     * {@code standard} or {@code icu}) how the text fields are analysed for BM25 and highlighting. {@code passages}
     * ({@code "text"} or {@code {"field": "text", "window": 200, "overlap": 20, "maxPassages": 256}}) splits an
     * embedded field into passages, one vector each ({@link dev.mmsearch.core.PassageOptions}). {@code vectors}
     * ({@code {"title_emb": {"embed": "{title}", "model": "bge-small-en-v1.5"}}}) adds named vector fields, each
     * embedded from its template by its own model (default: {@code model}) ({@link dev.mmsearch.core.VectorField}).
     */
    record SchemaBody(String model, String embed, List<String> textFields, List<String> keywordFields,
                      List<String> numericFields, String vectorEncoding, String imageField, HnswBody hnsw,
                      String analyzer, tools.jackson.databind.JsonNode passages,
                      Map<String, VectorFieldBody> vectors) {
    }

    /** A named vector field of a new collection: the text it embeds and the model (default: the collection's). */
    record VectorFieldBody(String embed, String model) {
    }

    /** HNSW graph options of a new collection; a missing one keeps its default ({@link HnswOptions#DEFAULT}). */
    record HnswBody(Integer m, Integer beamWidth) {
        HnswOptions options() {
            return new HnswOptions(m == null ? HnswOptions.DEFAULT.m() : m,
                    beamWidth == null ? HnswOptions.DEFAULT.beamWidth() : beamWidth);
        }
    }

    @PutMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<CollectionInfo> create(@PathVariable String name, @RequestBody(required = false) SchemaBody body) {
        CollectionStore.validateName(name);
        if (body == null) {
            throw MmsearchException.badRequest("creating a collection needs a schema, e.g. {\"model\":"
                    + " \"bge-small-en-v1.5\", \"textFields\": [\"title\", \"text\"], \"keywordFields\": [\"topic\"]}");
        }
        CollectionSchema schema = schema(body).withHnsw(body.hnsw() == null ? HnswOptions.DEFAULT
                : body.hnsw().options()).withAnalyzer(body.analyzer() == null ? TextAnalyzer.ENGLISH
                : TextAnalyzer.parse(body.analyzer()))
                .withPassages(dev.mmsearch.core.PassageOptions.fromJson(body.passages()))
                .withVectors(vectorFields(body));
        VectorEncoding encoding = body.vectorEncoding() == null ? VectorEncoding.FLOAT32
                : VectorEncoding.parse(body.vectorEncoding());
        ModelStamp stamp = schema.isImageCollection() ? engine.encoders().imageEncoder(body.model()).stamp()
                : engine.encoders().textEncoder(body.model()).stamp();
        CollectionStore store = engine.store();
        synchronized (this) { // one creator at a time, so "exists?" and "create" see the same store
            if (store.exists(name)) {
                SearchCollection existing = store.get(name);
                String difference = difference(existing, schema, stamp, encoding);
                if (difference != null) {
                    throw new MmsearchException(ErrorCode.COLLECTION_EXISTS, "collection '" + name
                            + "' exists with another " + difference + "; delete it first or use another name");
                }
                return ResponseEntity.ok(existing.info());
            }
            SearchCollection created = store.getOrCreate(name, schema, stamp, encoding);
            return ResponseEntity.status(HttpStatus.CREATED).body(created.info());
        }
    }

    @DeleteMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> delete(@PathVariable String name) {
        engine.store().delete(CollectionStore.validateName(name));
        return Map.of("deleted", name);
    }

    private List<dev.mmsearch.core.VectorField> vectorFields(SchemaBody body) {
        if (body.vectors() == null) {
            return List.of();
        }
        List<dev.mmsearch.core.VectorField> fields = new java.util.ArrayList<>();
        body.vectors().forEach((field, spec) -> {
            if (spec == null || spec.embed() == null || spec.embed().isBlank()) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "vector field '" + field + "' needs \"embed\","
                        + " the template of the text it embeds, e.g. {\"embed\": \"{title}\"}");
            }
            String model = spec.model() == null || spec.model().isBlank() ? body.model() : spec.model();
            fields.add(dev.mmsearch.core.VectorField.text(field, spec.embed(),
                    engine.encoders().textEncoder(model).stamp()));
        });
        return fields;
    }

    private static CollectionSchema schema(SchemaBody body) {
        if (body.model() == null || body.model().isBlank()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "schema field 'model' is missing: name the model"
                    + " that embeds the documents, e.g. \"bge-small-en-v1.5\" (GET /api/v1/collections lists models in"
                    + " use; `mmsearch models list` all of them)");
        }
        boolean images = body.imageField() != null;
        List<String> text = names("textFields", images && body.textFields() == null ? List.of("captions", "caption")
                : body.textFields());
        List<String> keywords = names("keywordFields", body.keywordFields());
        List<String> numbers = names("numericFields", body.numericFields());
        if (text.isEmpty() && !images) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "schema field 'textFields' is empty: name the"
                    + " text fields to embed and search, e.g. [\"title\", \"text\"]");
        }
        Set<String> seen = new HashSet<>();
        List<String> image = images ? names("imageField", List.of(body.imageField())) : List.of();
        for (List<String> role : List.of(text, keywords, numbers, image)) {
            for (String field : role) {
                if (!seen.add(field)) {
                    throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "field '" + field + "' has two roles"
                            + " (text, keyword, numeric, image); give each field one");
                }
            }
        }
        if (images) {
            if (body.embed() != null) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "schema field 'embed' is not used by an image"
                        + " collection (its vectors come from the images); leave it out");
            }
            return CollectionSchema.images(body.imageField(), text, keywords, numbers);
        }
        String embed = body.embed() != null ? body.embed()
                : String.join(". ", text.stream().map(f -> "{" + f + "}").toList());
        return new CollectionSchema(embed, text, keywords, numbers);
    }

    private static List<String> names(String what, List<String> names) {
        List<String> out = new ArrayList<>();
        for (String name : names == null ? List.<String>of() : names) {
            if (name == null || !name.matches("[A-Za-z0-9_.-]{1,128}")) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "schema field '" + what + "' holds '" + name
                        + "', which is not a field name; use 1-128 letters, digits, '_', '.' and '-'");
            }
            if (!out.contains(name)) {
                out.add(name);
            }
        }
        return out;
    }

    /** What differs between an existing collection and a requested one, or null when nothing does. */
    private static String difference(SearchCollection existing, CollectionSchema schema, ModelStamp stamp,
                                     VectorEncoding encoding) {
        if (!existing.stamp().equals(stamp)) {
            return "model (" + existing.stamp().describe() + ", requested " + stamp.describe() + ")";
        }
        if (existing.schema().analyzer() != schema.analyzer()) {
            return "analyzer (" + existing.schema().analyzer().label() + ", requested " + schema.analyzer().label()
                    + ")";
        }
        if (!existing.schema().equals(schema)) {
            return "schema (" + existing.schema() + ", requested " + schema + ")";
        }
        if (existing.vectorEncoding() != encoding) {
            return "vector encoding (" + existing.vectorEncoding().label() + ", requested " + encoding.label() + ")";
        }
        return null;
    }
}
