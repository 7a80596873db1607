package dev.mmsearch.core;

import java.util.List;
import java.util.Objects;

/**
 * A document as a {@link CollectionView} found it: its id and, where the store has one, its position in the view's
 * point-in-time reader ({@code doc}, -1 when unknown). A position is meaningful only in the view that produced it:
 * it lets that view read the document's fields and vector without looking the id up again. Any view accepts a ref
 * with {@code doc == -1} and looks it up by id.
 *
 * @param id  document id
 * @param doc the view's position of the document, or -1
 */
public record DocRef(String id, int doc) {
    public static final int UNKNOWN = -1;

    public DocRef {
        Objects.requireNonNull(id, "id");
        if (doc < UNKNOWN) {
            throw new IllegalArgumentException("doc must be -1 (unknown) or a position, got " + doc);
        }
    }

    /** A reference by id alone, for a view to look up. */
    public static DocRef of(String id) {
        return new DocRef(id, UNKNOWN);
    }

    /** References by id alone, in order; null ids are left out. */
    public static List<DocRef> ofIds(List<String> ids) {
        Objects.requireNonNull(ids, "ids");
        return ids.stream().filter(Objects::nonNull).map(DocRef::of).toList();
    }
}
