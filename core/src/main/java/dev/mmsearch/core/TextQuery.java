package dev.mmsearch.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A BM25 query: free text (analysed like the indexed text, never parsed as query syntax), the {@code k} best
 * documents among those matching {@code filter} (null = all; a non-scoring clause, so scores are those of the
 * unfiltered search).
 *
 * <p>Without {@code fieldBoosts} the schema's text fields are searched together as one text. With them each named
 * text field is scored on its own (its own length normalisation and statistics) and the document's score is the
 * sum of {@code boost x BM25 on that field}; fields not named are not searched. The boosts are checked here
 * (positive, finite); that they name text fields of the collection is checked by
 * {@link QueryChecks#requireValid(String, CollectionSchema, TextQuery)}.
 *
 * @param text        the query text
 * @param k           hits to return, 1..{@value QueryChecks#MAX_RESULTS}
 * @param filter      restriction on keyword and numeric fields, or null
 * @param fieldBoosts text field -> weight; empty (or null) = all text fields together. Never null afterwards.
 */
public record TextQuery(String text, int k, Filter filter, Map<String, Float> fieldBoosts) {
    public TextQuery {
        if (text == null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "text query is missing");
        }
        QueryChecks.requireResultCount("k", k, 1);
        if (fieldBoosts == null || fieldBoosts.isEmpty()) {
            fieldBoosts = Map.of();
        } else {
            fieldBoosts.forEach((field, boost) -> {
                if (field == null || field.isBlank()) {
                    throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "BM25 field boost names no field");
                }
                if (boost == null || !Float.isFinite(boost) || boost <= 0) {
                    throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "BM25 boost of field '" + field
                            + "' must be a positive finite number, got " + boost);
                }
            });
            fieldBoosts = Collections.unmodifiableMap(new LinkedHashMap<>(fieldBoosts));
        }
    }

    public static TextQuery of(String text, int k) {
        return new TextQuery(text, k, null, null);
    }

    public static TextQuery of(String text, int k, Filter filter) {
        return new TextQuery(text, k, filter, null);
    }

    public static TextQuery of(String text, int k, Filter filter, Map<String, Float> fieldBoosts) {
        return new TextQuery(text, k, filter, fieldBoosts);
    }

    /** Whether the query scores named fields on their own ({@link #fieldBoosts} not empty). */
    public boolean perField() {
        return !fieldBoosts.isEmpty();
    }
}
