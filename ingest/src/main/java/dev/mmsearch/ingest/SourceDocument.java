package dev.mmsearch.ingest;

import dev.mmsearch.core.Document;

import java.util.Objects;

/** A valid document and the 1-based line of the input it came from. */
public record SourceDocument(Document document, long line) implements SourceRecord {
    public SourceDocument {
        Objects.requireNonNull(document, "document");
    }
}
