package dev.mmsearch.core;

import java.util.List;
import java.util.Map;

/**
 * The writing side of a collection. Writes become visible to new {@link CollectionView views} and durable together
 * on {@link #commit()}; a crash loses at most the writes since the last commit and never leaves a half-written
 * collection. Thread-safe.
 */
public interface CollectionWriter {

    /**
     * Adds documents, replacing any with the same id. Every document is checked (id, vector, field values) before
     * the first one is written.
     *
     * @throws MmsearchException INVALID_INPUT naming the first bad document (nothing of the call is written)
     */
    void upsert(List<EmbeddedDocument> documents);

    /**
     * Removes the documents with these ids; ids that do not exist are ignored. Visible and durable on
     * {@link #commit()}.
     *
     * @throws MmsearchException INVALID_ARGUMENT for a null or blank id (nothing is deleted)
     */
    void delete(List<String> ids);

    /**
     * Removes every document that matches {@code filter} (keyword and numeric fields of the schema). Visible and
     * durable on {@link #commit()}.
     *
     * @return how many committed documents matched (writes not yet committed are not counted, but are deleted)
     * @throws MmsearchException INVALID_ARGUMENT for a filter on a field the schema cannot filter
     */
    long deleteMatching(Filter filter);

    /**
     * Makes all writes so far durable and visible. In a store that keeps checkpoints, committing writes this way
     * removes the checkpoint (it no longer describes what the collection holds).
     */
    void commit();

    /**
     * {@link #commit()}, and records {@code checkpoint} in the same commit, atomically with the writes it describes
     * (a crash leaves both or neither). It replaces the previous checkpoint; an empty map removes it. Keys and values
     * are opaque to the store: a writer (e.g. the indexer) describes how far it got. A store without checkpoints
     * commits and keeps none ({@link #checkpoint()} stays empty), which makes a resuming writer start from the
     * beginning: slower, never wrong.
     *
     * @throws MmsearchException INVALID_ARGUMENT for a null or blank key or a null value
     */
    void commit(Map<String, String> checkpoint);

    /** The checkpoint of the last commit ({@link #commit(Map)}); empty when there is none. Never null. */
    Map<String, String> checkpoint();

    /**
     * Commits, then merges the index into as few parts as the store allows and commits again, keeping the
     * checkpoint; searches keep working meanwhile. Worth it after a bulk load: a Lucene index searches each
     * segment's HNSW graph on its own, so 13 segments answered vector queries at 0.07x the speed of one
     * (docs/benchmarks.md, ANN section). It rewrites the whole index, so it is not for small incremental writes.
     *
     * @return the number of index parts (segments) before the merge; -1 when the store does not say
     */
    int optimize();
}
