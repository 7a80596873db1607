package dev.mmsearch.ingest;

import java.nio.file.Path;
import java.util.Iterator;

/**
 * A stream of records from one input, read lazily (an input is never loaded whole).
 * Implementations are single-threaded and must be closed.
 */
public interface DocumentSource extends Iterator<SourceRecord>, AutoCloseable {

    /** The input this source reads, as named in error messages. */
    Path file();

    /**
     * Number of records the input holds when it can be known cheaply before reading
     * (e.g. non-blank lines of an uncompressed file), else {@code -1}. Used for progress.
     */
    long estimatedRecords();

    @Override
    void close();
}
