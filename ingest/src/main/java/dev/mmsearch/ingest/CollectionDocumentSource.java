package dev.mmsearch.ingest;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.SearchCollection;

import java.nio.file.Path;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;

/**
 * The stored documents of a collection as a {@link DocumentSource}, so {@link Indexer} can re-embed them
 * ({@link Reindexer}). The store walks its documents by pushing them to a consumer
 * ({@link SearchCollection#forEachDocument}); a reader thread turns that into a pull through a small bounded
 * queue, so memory stays bounded whatever the collection's size. Written by hand because it is a dozen lines
 * of queue hand-off; a reactive library would be more code to wire than this.
 */
final class CollectionDocumentSource implements DocumentSource {
    private static final int QUEUE_CAPACITY = 512;

    /** What the reader thread puts on the queue after the last document, or when the walk failed. */
    private record End(RuntimeException failure) {
    }

    private final SearchCollection collection;
    private final long estimated;
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Thread reader;
    private volatile boolean closed;
    private Object next;
    private long line;
    /**
     * The named vectors of the documents read last, by id: kept for the {@value #CARRIED} most recent ones (the
     * indexer embeds in windows of a few hundred read in order, so older ones are done), read without removal so a
     * batch embedded again one by one still finds them.
     */
    private final java.util.Map<String, java.util.Map<String, float[]>> carried = java.util.Collections
            .synchronizedMap(new java.util.LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, java.util.Map<String, float[]>> e) {
                    return size() > CARRIED;
                }
            });
    private static final int CARRIED = 8192;

    CollectionDocumentSource(SearchCollection collection) {
        this.collection = Objects.requireNonNull(collection, "collection");
        this.estimated = collection.count();
        this.reader = Thread.ofPlatform().daemon().name("reindex-reader-" + collection.name()).unstarted(this::walk);
        reader.start();
    }

    private void walk() {
        RuntimeException failure = null;
        try {
            collection.forEachDocument(this::put);
        } catch (CancellationException e) {
            return; // closed by the consumer
        } catch (RuntimeException e) {
            failure = e;
        }
        put(new End(failure));
    }

    private void put(Object item) {
        try {
            while (!queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                if (closed) {
                    throw new CancellationException();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException();
        }
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MmsearchException(ErrorCode.INTERNAL, "interrupted while reading collection '"
                        + collection.name() + "'", e);
            }
        }
        if (next instanceof End end) {
            if (end.failure() != null) {
                throw end.failure();
            }
            return false;
        }
        return true;
    }

    @Override
    public SourceRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        dev.mmsearch.core.EmbeddedDocument embedded = (dev.mmsearch.core.EmbeddedDocument) next;
        next = null;
        if (!collection.schema().vectors().isEmpty()) {
            carried.put(embedded.id(), embedded.named()); // empty too: a document may have no vector in any field
        }
        return new SourceDocument(embedded.document(), ++line);
    }

    /**
     * The named vectors of document {@code id} as stored: for a re-index of the main vector that keeps the others as
     * they are. Held for the last {@value #CARRIED} documents read, so memory stays bounded.
     *
     * @throws MmsearchException INTERNAL when the document was read too long ago (never with the indexer's windows)
     */
    java.util.Map<String, float[]> takeNamed(String id) {
        java.util.Map<String, float[]> named = carried.get(id);
        if (named == null && collection.schema().vectors().isEmpty()) {
            return java.util.Map.of();
        }
        if (named == null) {
            throw new MmsearchException(ErrorCode.INTERNAL, "re-index of collection '" + collection.name()
                    + "': the named vectors of document '" + id + "' are no longer held (read over " + CARRIED
                    + " documents ago); nothing is published");
        }
        return named;
    }

    @Override
    public Path file() {
        return Path.of("collection:" + collection.name());
    }

    @Override
    public long estimatedRecords() {
        return estimated;
    }

    @Override
    public void close() {
        closed = true;
        queue.clear();
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
