package dev.mmsearch.retrieval;

import dev.mmsearch.core.ImageEncoder;
import dev.mmsearch.core.TextEncoder;

/**
 * How one request's query becomes a vector, as {@link QueryEncoders#resolve} decided it (the only place that
 * decides): the query text through a text tower, an uploaded image through the collection's image tower, or an
 * indexed document's stored vector ("find similar"). {@link RequestContext#queryVector} runs it, at most once per
 * request.
 */
public sealed interface QueryEncoder {
    /** The query text through {@code encoder}: the collection's own model or a text tower aligned to it. */
    record Text(TextEncoder encoder) implements QueryEncoder {
    }

    /** The uploaded image through the image tower of the collection's model. */
    record Image(ImageEncoder encoder, byte[] bytes) implements QueryEncoder {
    }

    /** The stored vector of the indexed document {@code documentId}: nothing to encode. */
    record Stored(String documentId) implements QueryEncoder {
    }

    /**
     * A mixed query ({@link SearchQuery#mix()}): each part's encoder, with the text a text part embeds, and its
     * weight; the query vector is the unit-length weighted sum of the parts' unit vectors.
     */
    record Mix(java.util.List<Part> parts) implements QueryEncoder {
        public record Part(QueryEncoder encoder, String text, float weight) {
        }
    }
}
