package dev.mmsearch.store.lucene;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.HnswOptions;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.TextAnalyzer;
import dev.mmsearch.core.PassageOptions;
import dev.mmsearch.core.VectorField;
import dev.mmsearch.core.VectorEncoding;
import dev.mmsearch.core.VectorSimilarity;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.index.VectorSimilarityFunction;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;

/**
 * What a collection records about itself in every Lucene commit's user data, so the model stamp and
 * schema are written atomically with the documents they describe (a commit either has both or
 * neither). Flat, explicitly named keys rather than a serialised record: the on-disk format must not
 * change when a core record gains a method or a field.
 *
 * @param stamp       the model the collection's vectors came from
 * @param schema      field roles
 * @param createdAt   when the collection was created
 * @param committedAt when this commit was made
 * @param vectorEncoding how the vectors are indexed ({@value #VECTOR_ENCODING}; absent in collections written
 *                       before int8 existed: read as FLOAT32)
 * @param vectorFunction Lucene's similarity function of the vector field ({@value #VECTOR_FUNCTION}; absent in
 *                       collections written before format 3: {@link VectorIndexing#legacyFunction} of the metric)
 */
record CommitMetadata(ModelStamp stamp, CollectionSchema schema, Instant createdAt, Instant committedAt,
                      VectorEncoding vectorEncoding, VectorSimilarityFunction vectorFunction) {

    CommitMetadata {
        vectorEncoding = vectorEncoding == null ? VectorEncoding.FLOAT32 : vectorEncoding;
        vectorFunction = vectorFunction == null ? VectorIndexing.legacyFunction(stamp.metric()) : vectorFunction;
    }

    /** A collection created now: its vectors indexed with {@link VectorIndexing#luceneFunction} of the metric. */
    static CommitMetadata created(ModelStamp stamp, CollectionSchema schema, Instant now, VectorEncoding encoding) {
        return new CommitMetadata(stamp, schema, now, now, encoding, VectorIndexing.luceneFunction(stamp.metric()));
    }

    /**
     * Newest layout of fields and user data this code reads and writes; bump on any incompatible change.
     * Format 2 added numeric fields ({@code num.<field>} points and doc values, {@value #SCHEMA_NUMERIC_FIELDS}).
     * A collection without numeric fields is still written as format 1, so an older mmsearch keeps opening it;
     * one with numeric fields is format 2, so an older mmsearch refuses it instead of silently dropping the
     * numeric fields from its schema on its next commit. Format 3 indexes COSINE as DOT_PRODUCT over unit vectors
     * ({@value #VECTOR_FUNCTION}, {@value IndexLayout#VECTOR_ORIGINAL_FIELD}) or analyses text with another analyzer
     * than English ({@value #SCHEMA_ANALYZER}); only such collections are written as format 3, so an older mmsearch
     * refuses them rather than failing on the first write with Lucene's "cannot change vector similarity" error or
     * analysing their text as English. Format 4 stores documents with passages as blocks ({@link IndexLayout},
     * {@value #SCHEMA_PASSAGES}); only collections with passages are written as format 4. Format 5 adds named vector
     * fields ({@value #SCHEMA_VECTORS}, {@code _vector.<name>}); only collections with some are written as format 5.
     */
    static final int FORMAT_VERSION = 5;

    /** Format 4, the newest without named vector fields. */
    static final int FORMAT_VERSION_WITHOUT_NAMED_VECTORS = 4;

    /** Format 3, the newest without passages. */
    static final int FORMAT_VERSION_WITHOUT_PASSAGES = 3;

    /** The format of collections without numeric fields. */
    static final int FORMAT_VERSION_WITHOUT_NUMERIC_FIELDS = 1;

    static final String FORMAT = "mmsearch.format";
    static final String MODEL_ID = "mmsearch.model.id";
    static final String MODEL_CHECKSUM = "mmsearch.model.checksum";
    static final String MODEL_DIMENSION = "mmsearch.model.dimension";
    static final String MODEL_METRIC = "mmsearch.model.metric";
    static final String SCHEMA_EMBED_TEMPLATE = "mmsearch.schema.embedTemplate";
    static final String SCHEMA_TEXT_FIELDS = "mmsearch.schema.textFields";
    static final String SCHEMA_KEYWORD_FIELDS = "mmsearch.schema.keywordFields";
    /** Absent in collections written before numeric fields existed: read as none. */
    static final String SCHEMA_NUMERIC_FIELDS = "mmsearch.schema.numericFields";
    /** Present only in image collections. */
    static final String SCHEMA_IMAGE_FIELD = "mmsearch.schema.imageField";
    /** HNSW options as {@code {"m":16,"beamWidth":100}}; absent in collections written before they were settable. */
    static final String SCHEMA_HNSW = "mmsearch.schema.hnsw";
    /** The text analyzer's label; absent in collections written before analyzers were selectable: english. */
    static final String SCHEMA_ANALYZER = "mmsearch.schema.analyzer";
    /** Passage options ({@link PassageOptions#toJson()}); present only in collections with passages (format 4). */
    static final String SCHEMA_PASSAGES = "mmsearch.schema.passages";
    /** Named vector fields ({@link VectorField#toJson(List)}); present only in collections with some (format 5). */
    static final String SCHEMA_VECTORS = "mmsearch.schema.vectors";
    /** Absent in collections written before int8 vectors existed: read as FLOAT32. */
    static final String VECTOR_ENCODING = "mmsearch.vectorEncoding";
    /** Lucene's function name of the vector field; absent before format 3. */
    static final String VECTOR_FUNCTION = "mmsearch.vectorFunction";
    static final String CREATED_AT = "mmsearch.createdAt";
    static final String COMMITTED_AT = "mmsearch.committedAt";

    /**
     * Prefix of the keys that hold a writer's checkpoint ({@link dev.mmsearch.core.SearchCollection#commit(Map)})
     * in a commit's user data, so they can never collide with the collection's own keys.
     */
    static final String CHECKPOINT_PREFIX = "mmsearch.checkpoint.";

    private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() {
    };

    /** The same collection, committed at {@code time}. */
    CommitMetadata committedAt(Instant time) {
        return new CommitMetadata(stamp, schema, createdAt, time, vectorEncoding, vectorFunction);
    }

    /** Whether the vectors are made unit length when written and queried (COSINE indexed as DOT_PRODUCT). */
    boolean unitVectors() {
        return VectorIndexing.normalises(stamp.metric(), vectorFunction);
    }

    /** The storage format this metadata needs: the oldest that holds everything it uses. */
    private int formatVersion() {
        if (!schema.vectors().isEmpty()) {
            return FORMAT_VERSION;
        }
        if (schema.hasPassages()) {
            return FORMAT_VERSION_WITHOUT_NAMED_VECTORS;
        }
        if (vectorFunction != VectorIndexing.legacyFunction(stamp.metric()) || schema.analyzer() != TextAnalyzer.ENGLISH) {
            return FORMAT_VERSION_WITHOUT_PASSAGES;
        }
        return schema.numericFields().isEmpty() ? FORMAT_VERSION_WITHOUT_NUMERIC_FIELDS : 2;
    }

    Map<String, String> toUserData() {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(FORMAT, Integer.toString(formatVersion()));
        data.put(MODEL_ID, stamp.modelId());
        data.put(MODEL_CHECKSUM, stamp.checksum());
        data.put(MODEL_DIMENSION, Integer.toString(stamp.dimension()));
        data.put(MODEL_METRIC, stamp.metric().name());
        data.put(SCHEMA_EMBED_TEMPLATE, schema.embedTemplate());
        data.put(SCHEMA_TEXT_FIELDS, Json.MAPPER.writeValueAsString(schema.textFields()));
        data.put(SCHEMA_KEYWORD_FIELDS, Json.MAPPER.writeValueAsString(schema.keywordFields()));
        data.put(SCHEMA_NUMERIC_FIELDS, Json.MAPPER.writeValueAsString(schema.numericFields()));
        if (schema.imageField() != null) {
            data.put(SCHEMA_IMAGE_FIELD, schema.imageField());
        }
        data.put(SCHEMA_HNSW, schema.hnsw().toJson().toString());
        data.put(SCHEMA_ANALYZER, schema.analyzer().label());
        if (schema.hasPassages()) {
            data.put(SCHEMA_PASSAGES, schema.passages().toJson().toString());
        }
        if (!schema.vectors().isEmpty()) {
            data.put(SCHEMA_VECTORS, VectorField.toJson(schema.vectors()).toString());
        }
        data.put(VECTOR_ENCODING, vectorEncoding.name());
        if (vectorFunction != VectorIndexing.legacyFunction(stamp.metric())) {
            data.put(VECTOR_FUNCTION, vectorFunction.name());
        }
        data.put(CREATED_AT, createdAt.toString());
        data.put(COMMITTED_AT, committedAt.toString());
        return data;
    }

    /**
     * This metadata's user data plus {@code checkpoint}, each key stored as {@value #CHECKPOINT_PREFIX}{@code key}.
     *
     * @throws MmsearchException INVALID_ARGUMENT for a null or blank key or a null value
     */
    Map<String, String> toUserData(Map<String, String> checkpoint) {
        Map<String, String> data = toUserData();
        checkpoint.forEach((key, value) -> {
            if (key == null || key.isBlank() || value == null) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "checkpoint entry " + key + "=" + value
                        + " is invalid: keys must be non-blank and values non-null");
            }
            data.put(CHECKPOINT_PREFIX + key, value);
        });
        return data;
    }

    /** The checkpoint held in a commit's user data (keys without the prefix), in key order; empty when none. */
    static Map<String, String> checkpointOf(Map<String, String> data) {
        Map<String, String> checkpoint = new java.util.TreeMap<>();
        data.forEach((key, value) -> {
            if (key.startsWith(CHECKPOINT_PREFIX)) {
                checkpoint.put(key.substring(CHECKPOINT_PREFIX.length()), value);
            }
        });
        return java.util.Collections.unmodifiableMap(checkpoint);
    }

    /**
     * Reads the metadata of a commit.
     *
     * @throws MmsearchException INTERNAL when the commit was not written by mmsearch, was written by a newer
     *                           format, or its metadata is damaged
     */
    static CommitMetadata fromUserData(String collection, Path path, Map<String, String> data) {
        String format = data.get(FORMAT);
        if (format == null) {
            throw new MmsearchException(ErrorCode.INTERNAL, "collection '" + collection + "' at " + path
                    + " is a Lucene index without mmsearch metadata (no " + FORMAT
                    + " in its commit); it was not created by mmsearch: move it out of the data directory");
        }
        int version;
        try {
            version = Integer.parseInt(format);
        } catch (NumberFormatException e) {
            throw damaged(collection, path, FORMAT + "=" + format, e);
        }
        if (version > FORMAT_VERSION) {
            throw new MmsearchException(ErrorCode.INTERNAL, "collection '" + collection + "' at " + path
                    + " has storage format " + version + " but this mmsearch reads format " + FORMAT_VERSION
                    + " at most; upgrade mmsearch to open it");
        }
        if (version < 1) {
            throw damaged(collection, path, FORMAT + "=" + format, null);
        }
        try {
            ModelStamp stamp = new ModelStamp(required(data, MODEL_ID), required(data, MODEL_CHECKSUM),
                    Integer.parseInt(required(data, MODEL_DIMENSION)),
                    VectorSimilarity.valueOf(required(data, MODEL_METRIC)));
            CollectionSchema schema = new CollectionSchema(required(data, SCHEMA_EMBED_TEMPLATE),
                    Json.MAPPER.readValue(required(data, SCHEMA_TEXT_FIELDS), STRING_LIST),
                    Json.MAPPER.readValue(required(data, SCHEMA_KEYWORD_FIELDS), STRING_LIST),
                    data.containsKey(SCHEMA_NUMERIC_FIELDS)
                            ? Json.MAPPER.readValue(data.get(SCHEMA_NUMERIC_FIELDS), STRING_LIST) : List.of(),
                    data.get(SCHEMA_IMAGE_FIELD), data.containsKey(SCHEMA_HNSW)
                            ? HnswOptions.fromJson(Json.MAPPER.readTree(data.get(SCHEMA_HNSW))) : HnswOptions.DEFAULT,
                    data.containsKey(SCHEMA_ANALYZER) ? TextAnalyzer.parse(data.get(SCHEMA_ANALYZER)) : null,
                    data.containsKey(SCHEMA_PASSAGES)
                            ? PassageOptions.fromJson(Json.MAPPER.readTree(data.get(SCHEMA_PASSAGES))) : null,
                    data.containsKey(SCHEMA_VECTORS)
                            ? VectorField.listFromJson(Json.MAPPER.readTree(data.get(SCHEMA_VECTORS))) : List.of());
            VectorEncoding vectorEncoding = data.containsKey(VECTOR_ENCODING)
                    ? VectorEncoding.valueOf(data.get(VECTOR_ENCODING)) : VectorEncoding.FLOAT32;
            VectorSimilarityFunction vectorFunction = data.containsKey(VECTOR_FUNCTION)
                    ? VectorSimilarityFunction.valueOf(data.get(VECTOR_FUNCTION)) : null;
            if (vectorFunction != null && vectorFunction != VectorIndexing.legacyFunction(stamp.metric())
                    && vectorFunction != VectorIndexing.luceneFunction(stamp.metric())) {
                throw new IllegalArgumentException(VECTOR_FUNCTION + "=" + vectorFunction + " does not fit metric "
                        + stamp.metric());
            }
            return new CommitMetadata(stamp, schema, Instant.parse(required(data, CREATED_AT)),
                    Instant.parse(required(data, COMMITTED_AT)), vectorEncoding, vectorFunction);
        } catch (IllegalArgumentException | JacksonException | DateTimeParseException | MmsearchException e) {
            throw damaged(collection, path, e.getMessage(), e);
        }
    }

    private static String required(Map<String, String> data, String key) {
        String value = data.get(key);
        if (value == null) {
            throw new IllegalArgumentException("missing " + key);
        }
        return value;
    }

    private static MmsearchException damaged(String collection, Path path, String detail, Throwable cause) {
        return new MmsearchException(ErrorCode.INTERNAL, "collection '" + collection + "' at " + path
                + " has damaged mmsearch metadata (" + detail + "); restore it from a backup or delete it and"
                + " ingest again", cause);
    }
}
