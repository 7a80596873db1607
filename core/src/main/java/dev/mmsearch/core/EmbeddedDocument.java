package dev.mmsearch.core;

import java.util.Objects;

/** A document with the vector its collection's model computed for it; what a store writes. */
public record EmbeddedDocument(Document document, float[] vector) {
    public EmbeddedDocument {
        Objects.requireNonNull(document, "document");
        Objects.requireNonNull(vector, "vector");
    }

    public String id() {
        return document.id();
    }
}
