package dev.mmsearch.retrieval;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;

/**
 * One weighted part of a mixed query ({@link SearchQuery#mix()}): a text, an uploaded image or an indexed document's
 * vector, with a weight (negative to move away from it: "this photo, but red, not blue"). The parts are embedded in the
 * searched field's space, each made unit length, summed with their weights and made unit length again, as Marqo's
 * weighted multimodal queries are.
 *
 * @param text   the text of a text part, or null
 * @param image  the image of an image part (upload or "similar to" a document), or null
 * @param weight the part's weight: finite and not 0, from {@value #MIN_WEIGHT} to {@value #MAX_WEIGHT}
 */
public record QueryPart(String text, QueryImage image, float weight) {
    public static final float MIN_WEIGHT = -10f;
    public static final float MAX_WEIGHT = 10f;
    /** Most parts a query may mix. */
    public static final int MAX_PARTS = 8;

    public QueryPart {
        if ((text == null || text.isBlank()) == (image == null)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "a query part is a non-blank text or an image"
                    + " (image or imageId), exactly one of them");
        }
        if (text != null && text.length() > SearchQuery.MAX_QUERY_CHARS) {
            throw new MmsearchException(ErrorCode.PAYLOAD_TOO_LARGE, "a query part's text has " + text.length()
                    + " characters; the limit is " + SearchQuery.MAX_QUERY_CHARS);
        }
        if (!Float.isFinite(weight) || weight == 0f || weight < MIN_WEIGHT || weight > MAX_WEIGHT) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "a query part's weight must be a non-zero number"
                    + " from " + MIN_WEIGHT + " to " + MAX_WEIGHT + ", got " + weight);
        }
    }

    public static QueryPart text(String text, float weight) {
        return new QueryPart(text, null, weight);
    }

    public static QueryPart image(QueryImage image, float weight) {
        return new QueryPart(null, image, weight);
    }
}
