package dev.mmsearch.core;

import java.util.List;

/**
 * The set of collections a node serves. The embedded implementation keeps one Lucene index per
 * collection in a directory; a distributed one maps collections to cluster indices.
 */
public interface CollectionStore extends AutoCloseable {

    /** The collections this store can serve; those it cannot are in {@link #unavailable()}, not here. */
    List<CollectionInfo> list();

    /**
     * Collections that exist but cannot be served (e.g. damaged index files), by name, with the reason: what is
     * wrong and what to do. {@link #get} of one throws {@link ErrorCode#COLLECTION_UNAVAILABLE}. This default
     * reports none.
     */
    default java.util.Map<String, String> unavailable() {
        return java.util.Map.of();
    }

    boolean exists(String name);

    /** @throws MmsearchException COLLECTION_NOT_FOUND */
    SearchCollection get(String name);

    /**
     * Opens the collection, creating it with this schema, stamp and vector encoding if it does not exist. An existing
     * collection keeps the schema and encoding it was created with ({@link #requireReusable} says what is checked).
     *
     * @throws MmsearchException MODEL_MISMATCH when it exists with another model stamp (the message names both);
     *                           INVALID_ARGUMENT when the store cannot index vectors with {@code encoding}
     */
    SearchCollection getOrCreate(String name, CollectionSchema schema, ModelStamp stamp, VectorEncoding encoding);

    /** {@link #getOrCreate(String, CollectionSchema, ModelStamp, VectorEncoding)} with float32 vectors. */
    default SearchCollection getOrCreate(String name, CollectionSchema schema, ModelStamp stamp) {
        return getOrCreate(name, schema, stamp, VectorEncoding.FLOAT32);
    }

    /**
     * What {@code getOrCreate} checks of a collection that exists already: the model stamp must be compatible
     * (else MODEL_MISMATCH naming both models); a different requested schema or encoding is logged and not applied
     * (re-index to change them).
     */
    static void requireReusable(SearchCollection existing, CollectionSchema schema, ModelStamp stamp,
                                VectorEncoding encoding) {
        ModelStamp.requireCompatible(existing.name(), existing.stamp(), stamp);
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CollectionStore.class);
        if (!existing.schema().equals(schema)) {
            log.warn("collection={} keeps its stored schema {}; requested schema {} is ignored", existing.name(),
                    existing.schema(), schema);
        }
        if (existing.vectorEncoding() != encoding) {
            log.warn("collection={} keeps its vector encoding {}; requested encoding {} is ignored", existing.name(),
                    existing.vectorEncoding().label(), encoding.label());
        }
    }

    /** Removes the collection and its data. @throws MmsearchException COLLECTION_NOT_FOUND */
    void delete(String name);

    /**
     * Creates an empty, unpublished new version of collection {@code name} (which must exist), e.g. to re-embed it
     * with another model. Searches keep going to the published version until {@link #publishVersion}; nothing is
     * listed under the new version. This default refuses.
     *
     * @throws MmsearchException COLLECTION_NOT_FOUND, or INVALID_ARGUMENT when the store has no versions
     */
    default SearchCollection createVersion(String name, CollectionSchema schema, ModelStamp stamp,
                                           VectorEncoding encoding) {
        throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "this collection store cannot re-index collection '"
                + name + "' into a new version");
    }

    /**
     * Atomically makes {@code version} (from {@link #createVersion}) the collection searches and writes go to.
     * The replaced version stops serving new calls at once and is removed once calls already holding it had time
     * to finish. After a crash the store serves either the old or the new version, never a mix.
     */
    default void publishVersion(String name, SearchCollection version) {
        throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "this collection store has no collection versions");
    }

    /** Drops an unpublished version (a failed or abandoned re-index); the published one is untouched. */
    default void discardVersion(String name, SearchCollection version) {
        throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "this collection store has no collection versions");
    }

    @Override
    void close();

    /** Collection names are also directory and index names: keep them boring. */
    static String validateName(String name) {
        if (name == null || !name.matches("[a-z0-9][a-z0-9_-]{0,63}")) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "invalid collection name '" + name
                    + "': use 1-64 characters of a-z, 0-9, '_' and '-', starting with a letter or digit");
        }
        return name;
    }
}
