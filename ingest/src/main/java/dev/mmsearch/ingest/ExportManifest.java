package dev.mmsearch.ingest;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.HnswOptions;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.PassageOptions;
import dev.mmsearch.core.TextAnalyzer;
import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.core.VectorField;
import dev.mmsearch.core.VectorSimilarity;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@code manifest.json} of a collection export (see {@link CollectionExport}): what the shards hold and
 * how to check them.
 *
 * @param collection     name of the exported collection
 * @param stamp          model the vectors were computed with
 * @param schema         the collection's schema
 * @param vectorEncoding how the collection indexed its vectors (an import creates the new collection the same way)
 * @param count          documents in all shards together
 * @param shards         shard files, in order
 * @param vectorField    JSON field of each record holding its vector: {@code <embedded field>_emb} (e.g.
 *                       {@code image_emb}, {@code title_text_emb}; see {@link #vectorFieldFor}), or {@code _vector} in
 *                       exports written before that naming
 */
public record ExportManifest(String collection, ModelStamp stamp, CollectionSchema schema, VectorEncoding vectorEncoding,
                             long count, List<Shard> shards, String vectorField) {
    /** Name of the manifest file in an export directory. */
    public static final String FILE_NAME = "manifest.json";
    /** Value of the manifest's {@code format} field. */
    public static final String FORMAT = "mmsearch-collection-export";
    /** Version of the layout without passages; an import refuses any version above {@link #PASSAGES_VERSION}. */
    public static final int VERSION = 1;
    /**
     * Version of an export whose records carry passages ({@code "_passages"}): written only for such a collection, so a
     * build that cannot read passages refuses the export instead of importing its documents with one vector each.
     */
    public static final int PASSAGES_VERSION = 2;
    /** Version of an export whose records carry named vectors ({@code "_vectors"}), written only for such a schema. */
    public static final int NAMED_VECTORS_VERSION = 3;
    /** The vector field of exports written before vectors were named after the embedded field(s). */
    public static final String LEGACY_VECTOR_FIELD = "_vector";

    /**
     * The vector's field in exported records: {@code <image field>_emb} for an image collection, else the embed
     * template's fields joined by '_' plus {@code _emb} ({@code "{title} {text}"} gives {@code title_text_emb}).
     */
    public static String vectorFieldFor(CollectionSchema schema) {
        return (schema.isImageCollection() ? schema.imageField() : String.join("_", schema.embedFields())) + "_emb";
    }

    /** A manifest whose vector field follows {@link #vectorFieldFor}. */
    public ExportManifest(String collection, ModelStamp stamp, CollectionSchema schema, VectorEncoding vectorEncoding,
                          long count, List<Shard> shards) {
        this(collection, stamp, schema, vectorEncoding, count, shards, vectorFieldFor(schema));
    }

    /**
     * One shard file.
     *
     * @param name    file name inside the export directory, e.g. {@code part-00000.jsonl.gz}
     * @param records documents it holds
     * @param sha256  SHA-256 (hex) of the file's bytes as written (compressed)
     */
    public record Shard(String name, long records, String sha256) {
        public Shard {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(sha256, "sha256");
        }
    }

    public ExportManifest {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(stamp, "stamp");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(vectorEncoding, "vectorEncoding");
        shards = List.copyOf(shards);
        if (vectorField == null || !(vectorField.equals(vectorFieldFor(schema)) || vectorField.equals(LEGACY_VECTOR_FIELD))) {
            throw new IllegalArgumentException("vectorField must be '" + vectorFieldFor(schema) + "' for this schema, got '"
                    + vectorField + "'");
        }
    }

    /** The manifest as pretty JSON. */
    public String toJson() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", !schema.vectors().isEmpty() ? NAMED_VECTORS_VERSION
                : schema.hasPassages() ? PASSAGES_VERSION : VERSION);
        root.put("collection", collection);
        ObjectNode model = root.putObject("model");
        model.put("modelId", stamp.modelId());
        model.put("checksum", stamp.checksum());
        model.put("dimension", stamp.dimension());
        model.put("metric", stamp.metric().name());
        ObjectNode schemaNode = root.putObject("schema");
        schemaNode.put("embedTemplate", schema.embedTemplate());
        strings(schemaNode.putArray("textFields"), schema.textFields());
        strings(schemaNode.putArray("keywordFields"), schema.keywordFields());
        strings(schemaNode.putArray("numericFields"), schema.numericFields());
        if (schema.imageField() != null) {
            schemaNode.put("imageField", schema.imageField());
        }
        schemaNode.set("hnsw", schema.hnsw().toJson());
        schemaNode.put("analyzer", schema.analyzer().label());
        if (schema.hasPassages()) {
            schemaNode.set("passages", schema.passages().toJson());
        }
        if (!schema.vectors().isEmpty()) {
            schemaNode.set("vectors", VectorField.toJson(schema.vectors()));
        }
        root.put("vectorEncoding", vectorEncoding.label());
        root.put("vectorField", vectorField);
        root.put("count", count);
        ArrayNode shardArray = root.putArray("shards");
        for (Shard shard : shards) {
            ObjectNode node = shardArray.addObject();
            node.put("name", shard.name());
            node.put("records", shard.records());
            node.put("sha256", shard.sha256());
        }
        return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

    /**
     * Reads {@code dir/manifest.json}.
     *
     * @throws MmsearchException NOT_FOUND when there is none; INVALID_INPUT when it is not a complete manifest
     *                           (truncated, another format or version, a field missing or of the wrong kind)
     */
    public static ExportManifest read(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new MmsearchException(ErrorCode.NOT_FOUND, "no export manifest at '" + file
                    + "'; give the directory that 'mmsearch export' wrote");
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "cannot read export manifest '" + file + "': " + e.getMessage(), e);
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(text);
        } catch (JacksonException e) {
            throw invalid(file, "it is not valid JSON (truncated?): " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw invalid(file, "it is not a JSON object");
        }
        if (!FORMAT.equals(text(root, "format", file))) {
            throw invalid(file, "format is not '" + FORMAT + "'");
        }
        int version = (int) number(root, "version", file);
        if (version < VERSION || version > NAMED_VECTORS_VERSION) {
            throw invalid(file, "version " + version + " is not supported (this build reads versions " + VERSION
                    + " to " + NAMED_VECTORS_VERSION + ")");
        }
        String vectorFieldName = text(root, "vectorField", file);
        try {
            JsonNode model = object(root, "model", file);
            ModelStamp stamp = new ModelStamp(text(model, "modelId", file), text(model, "checksum", file),
                    (int) number(model, "dimension", file), VectorSimilarity.valueOf(text(model, "metric", file)));
            JsonNode schemaNode = object(root, "schema", file);
            CollectionSchema schema = new CollectionSchema(text(schemaNode, "embedTemplate", file),
                    stringList(schemaNode, "textFields", file), stringList(schemaNode, "keywordFields", file),
                    stringList(schemaNode, "numericFields", file),
                    schemaNode.has("imageField") ? schemaNode.get("imageField").asString() : null,
                    HnswOptions.fromJson(schemaNode.get("hnsw")),
                    schemaNode.has("analyzer") ? TextAnalyzer.parse(schemaNode.get("analyzer").asString()) : null)
                    .withPassages(schemaNode.has("passages") ? PassageOptions.fromJson(schemaNode.get("passages")) : null)
                    .withVectors(VectorField.listFromJson(schemaNode.get("vectors")));
            if ((schema.hasPassages() && version < PASSAGES_VERSION)
                    || (!schema.vectors().isEmpty() && version < NAMED_VECTORS_VERSION)) {
                throw invalid(file, "version " + version + " cannot hold "
                        + (schema.hasPassages() ? "passages" : "named vectors"));
            }
            JsonNode shardArray = root.get("shards");
            if (shardArray == null || !shardArray.isArray()) {
                throw invalid(file, "'shards' is missing or not a list");
            }
            List<Shard> shards = new ArrayList<>();
            for (JsonNode node : shardArray.values()) {
                String name = text(node, "name", file);
                if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
                    throw invalid(file, "shard name '" + name + "' is not a plain file name");
                }
                shards.add(new Shard(name, number(node, "records", file), text(node, "sha256", file)));
            }
            long count = number(root, "count", file);
            long sum = shards.stream().mapToLong(Shard::records).sum();
            if (sum != count) {
                throw invalid(file, "count " + count + " is not the sum of the shards' records (" + sum + ")");
            }
            return new ExportManifest(text(root, "collection", file), stamp, schema,
                    VectorEncoding.parse(text(root, "vectorEncoding", file)), count, shards, vectorFieldName);
        } catch (IllegalArgumentException e) {
            throw invalid(file, e.getMessage());
        }
    }

    private static MmsearchException invalid(Path file, String why) {
        return new MmsearchException(ErrorCode.INVALID_INPUT, "export manifest '" + file + "' is unusable: " + why
                + "; export the collection again");
    }

    private static JsonNode object(JsonNode parent, String field, Path file) {
        JsonNode node = parent.get(field);
        if (node == null || !node.isObject()) {
            throw invalid(file, "'" + field + "' is missing or not an object");
        }
        return node;
    }

    private static String text(JsonNode parent, String field, Path file) {
        JsonNode node = parent.get(field);
        if (node == null || !node.isString()) {
            throw invalid(file, "'" + field + "' is missing or not a string");
        }
        return node.stringValue();
    }

    private static long number(JsonNode parent, String field, Path file) {
        JsonNode node = parent.get(field);
        if (node == null || !node.isIntegralNumber()) {
            throw invalid(file, "'" + field + "' is missing or not an integer");
        }
        return node.longValue();
    }

    private static List<String> stringList(JsonNode parent, String field, Path file) {
        JsonNode node = parent.get(field);
        if (node == null || !node.isArray()) {
            throw invalid(file, "'" + field + "' is missing or not a list");
        }
        List<String> values = new ArrayList<>();
        for (JsonNode item : node.values()) {
            if (!item.isString()) {
                throw invalid(file, "'" + field + "' holds a non-string");
            }
            values.add(item.stringValue());
        }
        return values;
    }
}
