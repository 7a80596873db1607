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
    private final java.util.Map<String, java.util.Map<String, float[]>> carried =
            new java.util.concurrent.ConcurrentHashMap<>();

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
        if (!embedded.named().isEmpty()) {
            carried.put(embedded.id(), embedded.named());
        }
        return new SourceDocument(embedded.document(), ++line);
    }

    /**
     * The named vectors of document {@code id} as stored, once: for a re-index of the main vector that keeps the
     * others as they are. Held only from {@link #next} to this call, so memory stays bounded by what is in flight.
     */
    java.util.Map<String, float[]> takeNamed(String id) {
        java.util.Map<String, float[]> named = carried.remove(id);
        return named == null ? java.util.Map.of() : named;
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
