package dev.mmsearch.server.web;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.retrieval.QueryImage;
import dev.mmsearch.retrieval.SearchQuery;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The JSON a client posts to {@code /api/v1/collections/{name}/search}: the edge form of a {@link SearchQuery}
 * ({@link #toQuery}), which validates it. Everything but
 * {@code query} is optional; unknown fields are refused ({@code spring.jackson.deserialization.fail-on-unknown-properties}):
 * a typo like {@code topk} should not be silently ignored.
 *
 * @param retriever shorthand for forcing the recall layer's arm of that name ({@code dense}, {@code bm25}, {@code hybrid} in the built-in config)
 * @param model     model to embed the query text with: the collection's own (the default), or a text tower aligned to
 *                  it (e.g. a multilingual tower for a CLIP collection); any other model is a 409
 * @param filter    structured filter, see {@link Filter}
 * @param userId    bucketing key for the experiments (anonymous requests get a random bucket per request)
 * @param scene     experiment scene (default: the config's default scene)
 * @param forceArms layer name → arm name, to pin arms while debugging
 * @param debug     include each stage's candidates and scores
 * @param imageId   search with the stored vector of this indexed document ("find similar"; image collections)
 * @param image     search with this image, base64-encoded (JPEG, PNG, ...); multipart upload is the other way
 * @param vectorField the named vector field to search (e.g. {@code title_emb}), its query embedded by that field's
 *                  model; default: the collection's main vector (an arm's recall may name its own field)
 * @param mix       weighted query parts, e.g. {@code [{"imageId": "img-4", "weight": 0.7}, {"text": "red", "weight":
 *                  0.3}]}: texts, base64 images and indexed documents, each embedded in the searched space and made
 *                  unit length, summed with their weights (negative to move away) and made unit length again. Without
 *                  {@code query}, text recalls (BM25) search the positively weighted texts
 * @param groupBy   a keyword field: one hit per value (the best ranked), each with {@code _group {field, value, size}}
 */
public record SearchBody(String query, Integer topK, Integer offset, String retriever, String model, Boolean debug,
                         String userId, JsonNode filter, String scene, Map<String, String> forceArms, String imageId,
                         String image, String vectorField, java.util.List<MixPart> mix, String groupBy) {

    /** One part of {@code mix}: exactly one of {@code text}, {@code image} (base64) and {@code imageId}; weight 1 by default. */
    public record MixPart(String text, String image, String imageId, Double weight) {
    }

    /** Largest accepted image, in bytes (as the multipart limit). */
    public static final int MAX_IMAGE_BYTES = 20 * 1024 * 1024;

    /** A body from a multipart search's form fields (the image comes as its own part). */
    static SearchBody ofForm(String query, Integer topK, Integer offset, String retriever, String model, Boolean debug,
                             String userId, JsonNode filter, String scene, Map<String, String> forceArms) {
        return new SearchBody(query, topK, offset, retriever, model, debug, userId, filter, scene, forceArms, null, null,
                null, null, null);
    }

    SearchQuery toQuery(String collection) {
        if (mix != null && !mix.isEmpty()) {
            if (imageId != null || image != null) {
                throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "give images as parts of \"mix\", not beside it");
            }
            java.util.List<dev.mmsearch.retrieval.QueryPart> parts = new java.util.ArrayList<>();
            StringBuilder texts = new StringBuilder();
            for (MixPart part : mix) {
                if (part == null) {
                    throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "\"mix\" holds a null part");
                }
                float weight = part.weight() == null ? 1f : part.weight().floatValue();
                int given = (part.text() != null ? 1 : 0) + (part.image() != null ? 1 : 0) + (part.imageId() != null ? 1 : 0);
                if (given != 1) {
                    throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "each \"mix\" part gives exactly one of"
                            + " \"text\", \"image\" (base64) and \"imageId\", got " + part);
                }
                if (part.text() != null) {
                    parts.add(dev.mmsearch.retrieval.QueryPart.text(part.text(), weight));
                    if (weight > 0) {
                        texts.append(texts.isEmpty() ? "" : " ").append(part.text());
                    }
                } else {
                    parts.add(dev.mmsearch.retrieval.QueryPart.image(part.imageId() != null
                            ? QueryImage.similarTo(part.imageId()) : QueryImage.upload(decoded(part.image())), weight));
                }
            }
            return new SearchQuery(collection, query != null ? query : texts.toString(),
                    topK == null ? SearchQuery.DEFAULT_TOP_K : topK, offset == null ? 0 : offset, Filter.parse(filter),
                    userId, Boolean.TRUE.equals(debug), forceArms, scene, null, model, retriever, vectorField, parts,
                    groupBy);
        }
        if (imageId != null && image != null) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "give either imageId or image, not both");
        }
        if (imageId != null) {
            return query(collection, QueryImage.similarTo(imageId));
        }
        if (image != null) {
            if (image.length() > MAX_IMAGE_BYTES / 3 * 4 + 4) {
                throw new MmsearchException(ErrorCode.PAYLOAD_TOO_LARGE, "image is larger than " + MAX_IMAGE_BYTES
                        + " bytes");
            }
            return query(collection, QueryImage.upload(decoded(image)));
        }
        return query(collection, null);
    }

    private static byte[] decoded(String base64) {
        if (base64.length() > MAX_IMAGE_BYTES / 3 * 4 + 4) {
            throw new MmsearchException(ErrorCode.PAYLOAD_TOO_LARGE, "image is larger than " + MAX_IMAGE_BYTES
                    + " bytes");
        }
        try {
            return java.util.Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "image is not valid base64: " + e.getMessage(), e);
        }
    }

    /** {@link #toQuery} with an uploaded image (multipart). */
    SearchQuery toQuery(String collection, byte[] upload) {
        return query(collection, QueryImage.upload(upload));
    }

    private SearchQuery query(String collection, QueryImage queryImage) {
        return new SearchQuery(collection, query, topK == null ? SearchQuery.DEFAULT_TOP_K : topK,
                offset == null ? 0 : offset, Filter.parse(filter), userId, Boolean.TRUE.equals(debug), forceArms, scene,
                queryImage, model, retriever, vectorField, null, groupBy);
    }
}
