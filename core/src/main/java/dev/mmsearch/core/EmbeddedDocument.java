package dev.mmsearch.core;

import java.util.List;
import java.util.Objects;

/**
 * A document with the vectors its collection's model computed for it; what a store writes.
 *
 * @param document the document
 * @param vector   its vector; in a collection with passages the first passage's (the one a document-level operation
 *                 such as "find similar" uses)
 * @param passages in a collection with {@link PassageOptions passages}, every passage in text order (at least one);
 *                 empty otherwise
 */
public record EmbeddedDocument(Document document, float[] vector, List<Passage> passages) {
    public EmbeddedDocument {
        Objects.requireNonNull(document, "document");
        passages = passages == null ? List.of() : List.copyOf(passages);
        if (vector == null && !passages.isEmpty()) {
            vector = passages.getFirst().vector();
        }
        Objects.requireNonNull(vector, "vector");
    }

    /** A document with one vector (a collection without passages). */
    public EmbeddedDocument(Document document, float[] vector) {
        this(document, vector, List.of());
    }

    /** A document split into passages; its vector is the first passage's. */
    public static EmbeddedDocument withPassages(Document document, List<Passage> passages) {
        if (passages == null || passages.isEmpty()) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "document '" + document.id() + "' has no passages");
        }
        return new EmbeddedDocument(document, null, passages);
    }

    public String id() {
        return document.id();
    }
}
