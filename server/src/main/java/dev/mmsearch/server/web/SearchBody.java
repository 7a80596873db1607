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
 */
public record SearchBody(String query, Integer topK, Integer offset, String retriever, String model, Boolean debug,
                         String userId, JsonNode filter, String scene, Map<String, String> forceArms, String imageId,
                         String image, String vectorField) {
    /** Largest accepted image, in bytes (as the multipart limit). */
    public static final int MAX_IMAGE_BYTES = 20 * 1024 * 1024;

    /** A body from a multipart search's form fields (the image comes as its own part). */
    static SearchBody ofForm(String query, Integer topK, Integer offset, String retriever, String model, Boolean debug,
                             String userId, JsonNode filter, String scene, Map<String, String> forceArms) {
        return new SearchBody(query, topK, offset, retriever, model, debug, userId, filter, scene, forceArms, null, null,
                null);
    }

    SearchQuery toQuery(String collection) {
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
            byte[] decoded;
            try {
                decoded = java.util.Base64.getMimeDecoder().decode(image);
            } catch (IllegalArgumentException e) {
                throw new MmsearchException(ErrorCode.INVALID_INPUT, "image is not valid base64: " + e.getMessage(), e);
            }
            return query(collection, QueryImage.upload(decoded));
        }
        return query(collection, null);
    }

    /** {@link #toQuery} with an uploaded image (multipart). */
    SearchQuery toQuery(String collection, byte[] upload) {
        return query(collection, QueryImage.upload(upload));
    }

    private SearchQuery query(String collection, QueryImage queryImage) {
        return new SearchQuery(collection, query, topK == null ? SearchQuery.DEFAULT_TOP_K : topK,
                offset == null ? 0 : offset, Filter.parse(filter), userId, Boolean.TRUE.equals(debug), forceArms, scene,
                queryImage, model, retriever, vectorField);
    }
}
