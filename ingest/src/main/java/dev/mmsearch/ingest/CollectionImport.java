package dev.mmsearch.ingest;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.CollectionStore;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.FieldValues;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.Passage;
import dev.mmsearch.core.PassageOptions;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.VectorEncoding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * Loads a collection export ({@link CollectionExport}) into a store with the exported vectors, running no model:
 * how vectors computed elsewhere (e.g. on a GPU machine) reach a store.
 *
 * <p>Before anything is written, the manifest is read and every shard's SHA-256 checked, so a corrupt or
 * incomplete export changes nothing. The target collection is created with the manifest's schema, model stamp and
 * vector encoding; an existing one must have the same stamp and schema, and gets the documents upserted by id.
 */
public final class CollectionImport {
    private static final Logger log = LoggerFactory.getLogger(CollectionImport.class);
    /** Documents per upsert call. */
    static final int BATCH = 256;

    private CollectionImport() {
    }

    /**
     * What an import did.
     *
     * @param collection target collection
     * @param documents  documents written
     * @param shards     shard files read
     * @param elapsed    wall time
     */
    public record Result(String collection, long documents, int shards, Duration elapsed) {
        /** One line for a command line: {@code imported 1200 documents from 3 shards into docs in 0.8 s}. */
        public String toLine() {
            return String.format(java.util.Locale.ROOT, "imported %d documents from %d shards into %s in %.1f s",
                    documents, shards, collection, elapsed.toNanos() / 1e9);
        }
    }

    /**
     * Imports the export in {@code dir} into collection {@code name} of {@code store} and commits; a bulk import
     * (at least half of the collection) ends with a merge, as {@link Indexer} does.
     *
     * @throws MmsearchException NOT_FOUND (no manifest or a shard missing); INVALID_INPUT (manifest unusable, a shard
     *                           whose checksum, record count or content is wrong: the message names the shard);
     *                           MODEL_MISMATCH (the collection exists with another model stamp);
     *                           INVALID_ARGUMENT (it exists with another schema, or the name is invalid)
     */
    public static Result importInto(Path dir, CollectionStore store, String name) {
        return importInto(dir, store, name, manifest -> new Target(manifest.schema(), manifest.vectorEncoding()));
    }

    /**
     * How a collection created by an import indexes its vectors: the export's schema and encoding, or others (e.g.
     * int8, or a wider HNSW graph) for the same vectors.
     */
    public record Target(CollectionSchema schema, VectorEncoding encoding) {
    }

    /**
     * {@link #importInto(Path, CollectionStore, String)}, creating a missing collection as {@code target} says (from
     * the verified manifest); an existing collection must have that schema's fields, and keeps its own HNSW options
     * and encoding.
     */
    public static Result importInto(Path dir, CollectionStore store, String name,
                                    java.util.function.Function<ExportManifest, Target> target) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(store, "store");
        CollectionStore.validateName(name);
        long start = System.nanoTime();
        ExportManifest manifest = verified(dir);
        Target wanted = target.apply(manifest);
        SearchCollection collection;
        if (store.exists(name)) {
            collection = store.get(name);
            ModelStamp.requireCompatible(name, collection.stamp(), manifest.stamp());
            // The fields must match; the graph options, the encoding and the analyzer are the collection's own
            // (how it indexes: the text is analysed again on the way in, the vectors are indexed again).
            if (!collection.schema().equals(wanted.schema().withHnsw(collection.schema().hnsw())
                    .withAnalyzer(collection.schema().analyzer()))) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "collection '" + name + "' has schema "
                        + collection.schema() + " but the import needs " + wanted.schema()
                        + "; import into a new collection");
            }
        } else {
            collection = store.getOrCreate(name, wanted.schema(), manifest.stamp(), wanted.encoding());
        }
        long documents = stream(dir, manifest, BATCH, collection::upsert);
        collection.commit();
        Indexer.mergeAfterBulkLoad(collection, documents);
        Result result = new Result(name, documents, manifest.shards().size(), Duration.ofNanos(System.nanoTime() - start));
        log.info("imported collection={} docs={} shards={} from={} model={} seconds={}", name, documents,
                manifest.shards().size(), dir, manifest.stamp().modelId(), Math.round(result.elapsed().toMillis() / 10.0) / 100.0);
        return result;
    }

    /**
     * Reads the manifest in {@code dir} and checks every shard's SHA-256: what must hold before anything is written.
     *
     * @throws MmsearchException NOT_FOUND (no manifest, a shard missing), INVALID_INPUT (a shard corrupt or changed)
     */
    public static ExportManifest verified(Path dir) {
        Objects.requireNonNull(dir, "dir");
        ExportManifest manifest = ExportManifest.read(dir);
        for (ExportManifest.Shard shard : manifest.shards()) {
            verify(dir, shard);
        }
        return manifest;
    }

    /**
     * Hands the documents of a {@link #verified} export to {@code sink} with their vectors, shard after shard, in
     * batches of at most {@code batch} (for a writer elsewhere, e.g. {@code mmsearch import --server}).
     *
     * @return documents read
     * @throws MmsearchException INVALID_INPUT for a bad record or a shard whose record count is not the manifest's
     */
    public static long stream(Path dir, ExportManifest manifest, int batch, Consumer<List<EmbeddedDocument>> sink) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be positive, got " + batch);
        }
        long documents = 0;
        for (ExportManifest.Shard shard : manifest.shards()) {
            documents += load(dir, shard, batch, sink, manifest);
        }
        return documents;
    }

    private static void verify(Path dir, ExportManifest.Shard shard) {
        Path file = dir.resolve(shard.name());
        MessageDigest digest = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (NoSuchFileException e) {
            throw new MmsearchException(ErrorCode.NOT_FOUND, "shard '" + shard.name() + "' listed in the manifest is missing from '"
                    + dir + "'; copy the whole export directory");
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "cannot read shard '" + file + "': " + e.getMessage(), e);
        }
        String actual = HexFormat.of().formatHex(digest.digest());
        if (!actual.equalsIgnoreCase(shard.sha256())) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "shard '" + file + "' is corrupt or changed: SHA-256 "
                    + actual + " but the manifest says " + shard.sha256() + "; copy or export it again");
        }
    }

    /** Hands one shard's documents to {@code sink} in batches; returns how many. */
    private static long load(Path dir, ExportManifest.Shard shard, int batchSize, Consumer<List<EmbeddedDocument>> sink,
                             ExportManifest manifest) {
        Path file = dir.resolve(shard.name());
        List<EmbeddedDocument> batch = new ArrayList<>(batchSize);
        long records = 0;
        long line = 0;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(file), 1 << 16),
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)))) {
            String text;
            while ((text = reader.readLine()) != null) {
                line++;
                if (text.isBlank()) {
                    continue;
                }
                batch.add(parse(text, file, line, manifest));
                records++;
                if (batch.size() == batchSize) {
                    sink.accept(List.copyOf(batch));
                    batch.clear();
                }
            }
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "cannot read shard '" + file + "' at line " + (line + 1)
                    + ": " + e.getMessage(), e);
        }
        if (!batch.isEmpty()) {
            sink.accept(List.copyOf(batch));
        }
        if (records != shard.records()) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "shard '" + file + "' holds " + records
                    + " records but the manifest says " + shard.records());
        }
        return records;
    }

    private static EmbeddedDocument parse(String text, Path file, long line, ExportManifest manifest) {
        int dimension = manifest.stamp().dimension();
        String vectorField = manifest.vectorField();
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(text);
        } catch (JacksonException e) {
            throw bad(file, line, "malformed JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw bad(file, line, "not a JSON object");
        }
        JsonNode id = node.get("id");
        if (id == null || !id.isString() || id.stringValue().isBlank()) {
            throw bad(file, line, "missing or blank \"id\"");
        }
        JsonNode vectorNode = node.get(vectorField);
        if (vectorNode == null || !vectorNode.isArray() || vectorNode.size() != dimension) {
            throw bad(file, line, "\"" + vectorField + "\" must be a list of " + dimension + " numbers");
        }
        float[] vector = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            JsonNode value = vectorNode.get(i);
            if (!value.isNumber()) {
                throw bad(file, line, "\"" + vectorField + "\"[" + i + "] is not a number");
            }
            vector[i] = value.floatValue();
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> property : node.properties()) {
            String name = property.getKey();
            if (name.equals("id") || name.equals(vectorField) || name.equals(PassagesJson.KEY)
                    || name.equals(PassagesJson.NAMED_KEY)) {
                continue;
            }
            JsonNode value = property.getValue();
            if (value.isArray()) {
                List<Object> items = new ArrayList<>(value.size());
                for (JsonNode item : value.values()) {
                    items.add(scalar(item, name, file, line));
                }
                fields.put(name, List.copyOf(items));
            } else if (!value.isNull()) {
                fields.put(name, scalar(value, name, file, line));
            }
        }
        Document document = new Document(id.stringValue(), fields);
        java.util.Map<String, float[]> named = java.util.Map.of();
        if (node.has(PassagesJson.NAMED_KEY)) {
            try {
                named = PassagesJson.parseNamed(node.get(PassagesJson.NAMED_KEY));
            } catch (IllegalArgumentException e) {
                throw bad(file, line, e.getMessage());
            }
            try {
                dev.mmsearch.core.FieldValues.requireValidNamedVectors(manifest.collection(), manifest.schema(),
                        new EmbeddedDocument(document, vector, List.of(), named));
            } catch (MmsearchException e) {
                throw bad(file, line, e.getMessage());
            }
        }
        PassageOptions options = manifest.schema().passages();
        if (options == null) {
            return new EmbeddedDocument(document, vector, List.of(), named);
        }
        List<Passage> passages;
        try {
            passages = PassagesJson.parse(node.get(PassagesJson.KEY));
        } catch (IllegalArgumentException e) {
            throw bad(file, line, e.getMessage() + " (the collection splits field '" + options.field()
                    + "' into passages)");
        }
        int length = FieldValues.joinedText(fields.get(options.field())).length();
        for (int i = 0; i < passages.size(); i++) {
            if (passages.get(i).vector().length != dimension) {
                throw bad(file, line, "\"" + PassagesJson.KEY + "\"[" + i + "].vector must be a list of " + dimension
                        + " numbers");
            }
            if (passages.get(i).end() > length) {
                throw bad(file, line, "\"" + PassagesJson.KEY + "\"[" + i + "] ends at " + passages.get(i).end()
                        + ", past the end of field '" + options.field() + "' (" + length + " characters)");
            }
        }
        return EmbeddedDocument.withPassages(document, passages).withNamed(named);
    }

    private static Object scalar(JsonNode node, String field, Path file, long line) {
        if (node.isString()) {
            return node.stringValue();
        }
        if (node.isNumber()) {
            return node.numberValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        throw bad(file, line, "field '" + field + "' holds a " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
                + "; only strings, numbers, booleans and lists of those are allowed");
    }

    private static MmsearchException bad(Path file, long line, String why) {
        return new MmsearchException(ErrorCode.INVALID_INPUT, "shard '" + file + "' line " + line + ": " + why);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
