package dev.mmsearch.core;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A document with the vectors its collection's model computed for it; what a store writes.
 *
 * @param document the document
 * @param vector   its vector; in a collection with passages the first passage's (the one a document-level operation
 *                 such as "find similar" uses)
 * @param passages in a collection with {@link PassageOptions passages}, every passage in text order (at least one);
 *                 empty otherwise
 * @param named    vectors of the collection's {@link VectorField named vector fields} by field name; a field the
 *                 document has no input for is absent
 */
public record EmbeddedDocument(Document document, float[] vector, List<Passage> passages, Map<String, float[]> named) {
    public EmbeddedDocument {
        Objects.requireNonNull(document, "document");
        passages = passages == null ? List.of() : List.copyOf(passages);
        named = named == null || named.isEmpty() ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(named));
        if (vector == null && !passages.isEmpty()) {
            vector = passages.getFirst().vector();
        }
        Objects.requireNonNull(vector, "vector");
    }

    /** A document with one vector (a collection without passages). */
    public EmbeddedDocument(Document document, float[] vector) {
        this(document, vector, List.of());
    }

    /** A document without named vectors. */
    public EmbeddedDocument(Document document, float[] vector, List<Passage> passages) {
        this(document, vector, passages, Map.of());
    }

    /** This document with {@code vectors} as its named vectors. */
    public EmbeddedDocument withNamed(Map<String, float[]> vectors) {
        return new EmbeddedDocument(document, vector, passages, vectors);
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
