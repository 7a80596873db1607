package dev.mmsearch.retrieval;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.MmsearchException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One search request, the one type every entry (REST, CLI search, eval) builds and {@code Engine.search} takes.
 * Immutable and validated on construction, so a pipeline never sees an impossible page.
 *
 * @param collection collection to search
 * @param text       the raw query text (the qp stage may rewrite it), at most {@value #MAX_QUERY_CHARS} characters
 * @param topK       page size, 1..{@value #MAX_DEPTH}
 * @param offset     results to skip, {@code offset + topK <= }{@value #MAX_DEPTH}
 * @param filter     restriction on keyword/numeric fields, applied inside every recall; null = none
 * @param userId     stable caller id for experiment bucketing; null/blank = anonymous (random arms)
 * @param debug      when true the response carries every stage's candidates
 * @param forcedArms layer name → arm name overrides (debugging); never null
 * @param scene      scene to run; null = the config's default scene
 * @param image      the image to search with (upload or "similar to" an indexed document), or null; with an image
 *                   the text may be empty (then text recalls such as BM25 find nothing)
 * @param model      model to embed the query text with: null (blank is null) = the collection's own; otherwise the
 *                   collection's model or a text tower aligned to it, anything else is MODEL_MISMATCH
 *                   ({@link QueryEncoders#resolve}); an image query is always embedded by the collection's image tower
 * @param retriever  shorthand for forcing the recall layer's arm of that name (e.g. {@code bm25}); null (blank is
 *                   null) = none; an arm forced in {@code forcedArms} for that layer wins
 * @param vectorField the {@link dev.mmsearch.core.VectorField named vector field} that {@code vector} recalls naming
 *                   no field of their own search, its query embedded by that field's model; null (blank is null) =
 *                   the collection's main vector
 * @param mix        weighted parts (texts, images, indexed documents) whose weighted, unit-length sum is the query
 *                   vector ({@link QueryPart}), at most {@value QueryPart#MAX_PARTS}; null or empty = none. With a mix
 *                   {@code text} is only what text recalls (BM25) search, and {@code image} must be null
 * @param groupBy    a keyword field to collapse the ranked hits by: one hit per value, the best ranked
 *                   ({@link Grouping}); null (blank is null) = no grouping
 */
public record SearchQuery(String collection, String text, int topK, int offset, Filter filter, String userId,
                          boolean debug, Map<String, String> forcedArms, String scene, QueryImage image,
                          String model, String retriever, String vectorField, java.util.List<QueryPart> mix,
                          String groupBy) {
    /**
     * Deepest result position a request may ask for: {@code offset + topK} at most this. The one depth limit of the
     * search API, the CLI and the pipeline; deeper paging is refused (use a narrower query or a filter).
     */
    public static final int MAX_DEPTH = 1_000;
    /** Page size when a request names none. */
    public static final int DEFAULT_TOP_K = 10;
    /**
     * Longest query text accepted, in characters; longer text is refused (PAYLOAD_TOO_LARGE) before it reaches the
     * model (the model truncates at its token limit anyway).
     */
    public static final int MAX_QUERY_CHARS = 100_000;

    public SearchQuery {
        if (collection == null || collection.isBlank()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "the search names no collection");
        }
        if (text != null && text.length() > MAX_QUERY_CHARS) {
            throw new MmsearchException(ErrorCode.PAYLOAD_TOO_LARGE,
                    "query has " + text.length() + " characters; the limit is " + MAX_QUERY_CHARS);
        }
        mix = mix == null ? java.util.List.of() : java.util.List.copyOf(mix);
        if (mix.size() > QueryPart.MAX_PARTS) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "a query mixes at most " + QueryPart.MAX_PARTS
                    + " parts, got " + mix.size());
        }
        if (!mix.isEmpty() && image != null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "give the image as a part of the mix, not beside"
                    + " it");
        }
        if ((text == null || text.isBlank()) && image == null && mix.isEmpty()) {
            throw new MmsearchException(ErrorCode.EMPTY_QUERY, "the query text is empty; type something to search for");
        }
        text = text == null ? "" : text;
        if (topK < 1 || topK > MAX_DEPTH) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "topK must be between 1 and " + MAX_DEPTH
                    + ", got " + topK);
        }
        if (offset < 0) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "offset must be 0 or more, got " + offset);
        }
        if ((long) offset + topK > MAX_DEPTH) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "offset + topK = " + ((long) offset + topK)
                    + " is deeper than the " + MAX_DEPTH + " results a search can page through; refine the query or add a filter");
        }
        forcedArms = forcedArms == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(forcedArms));
        model = model == null || model.isBlank() ? null : model.strip();
        retriever = retriever == null || retriever.isBlank() ? null : retriever.strip();
        vectorField = vectorField == null || vectorField.isBlank() ? null : vectorField.strip();
        groupBy = groupBy == null || groupBy.isBlank() ? null : groupBy.strip();
    }

    /** A query that searches the main vector unless a recall names a field. */
    public SearchQuery(String collection, String text, int topK, int offset, Filter filter, String userId,
                       boolean debug, Map<String, String> forcedArms, String scene, QueryImage image, String model,
                       String retriever) {
        this(collection, text, topK, offset, filter, userId, debug, forcedArms, scene, image, model, retriever, null,
                null, null);
    }

    /** A text-only query that names no model and forces no retriever. */
    public SearchQuery(String collection, String text, int topK, int offset, Filter filter, String userId,
                       boolean debug, Map<String, String> forcedArms, String scene) {
        this(collection, text, topK, offset, filter, userId, debug, forcedArms, scene, null, null, null);
    }

    /** A first-page query for {@code topK} results: no filter, anonymous, default scene, no debug. */
    public static SearchQuery of(String collection, String text, int topK) {
        return new SearchQuery(collection, text, topK, 0, null, null, false, Map.of(), null);
    }

    public SearchQuery withImage(QueryImage newImage) {
        return new SearchQuery(collection, text, topK, offset, filter, userId, debug, forcedArms, scene, newImage,
                model, retriever, vectorField, mix, groupBy);
    }

    public SearchQuery withPage(int newOffset, int newTopK) {
        return new SearchQuery(collection, text, newTopK, newOffset, filter, userId, debug, forcedArms, scene, image,
                model, retriever, vectorField, mix, groupBy);
    }

    public SearchQuery withFilter(Filter newFilter) {
        return new SearchQuery(collection, text, topK, offset, newFilter, userId, debug, forcedArms, scene, image,
                model, retriever, vectorField, mix, groupBy);
    }

    public SearchQuery withUser(String newUserId) {
        return new SearchQuery(collection, text, topK, offset, filter, newUserId, debug, forcedArms, scene, image,
                model, retriever, vectorField, mix, groupBy);
    }

    public SearchQuery withDebug(boolean newDebug) {
        return new SearchQuery(collection, text, topK, offset, filter, userId, newDebug, forcedArms, scene, image,
                model, retriever, vectorField, mix, groupBy);
    }

    public SearchQuery withForcedArms(Map<String, String> newForcedArms) {
        return new SearchQuery(collection, text, topK, offset, filter, userId, debug, newForcedArms, scene, image,
                model, retriever, vectorField, mix, groupBy);
    }

    public SearchQuery withScene(String newScene) {
        return new SearchQuery(collection, text, topK, offset, filter, userId, debug, forcedArms, newScene, image,
                model, retriever, vectorField, mix, groupBy);
    }

    public SearchQuery withModel(String newModel) {
        return new SearchQuery(collection, text, topK, offset, filter, userId, debug, forcedArms, scene, image,
                newModel, retriever, vectorField, mix, groupBy);
    }

    public SearchQuery withRetriever(String newRetriever) {
        return new SearchQuery(collection, text, topK, offset, filter, userId, debug, forcedArms, scene, image,
                model, newRetriever, vectorField, mix, groupBy);
    }

    public SearchQuery withVectorField(String newVectorField) {
        return new SearchQuery(collection, text, topK, offset, filter, userId, debug, forcedArms, scene, image,
                model, retriever, newVectorField, mix, groupBy);
    }

    public SearchQuery withMix(java.util.List<QueryPart> newMix) {
        return new SearchQuery(collection, text, topK, offset, filter, userId, debug, forcedArms, scene, image,
                model, retriever, vectorField, newMix, groupBy);
    }

    public SearchQuery withGroupBy(String newGroupBy) {
        return new SearchQuery(collection, text, topK, offset, filter, userId, debug, forcedArms, scene, image,
                model, retriever, vectorField, mix, newGroupBy);
    }

    /** Whether the query brings more than text to embed: an image or a mix (then its text may be empty). */
    public boolean hasVectorInput() {
        return image != null || !mix.isEmpty();
    }

    /** Results the ranked list must hold at least: {@code offset + topK}. */
    public int depth() {
        return offset + topK;
    }
}
