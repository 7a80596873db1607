package dev.mmsearch.retrieval;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;

/**
 * The image side of a query (image → image, image → text with CLIP): either an uploaded image file, embedded
 * with the image tower of the collection's model, or the id of a document already in the collection, whose stored
 * vector is the query ("find similar"). Exactly one of the two is set.
 *
 * @param bytes      the encoded image (JPEG, PNG, ...), or null
 * @param documentId the id of an indexed document, or null
 */
public record QueryImage(byte[] bytes, String documentId) {
    public QueryImage {
        if ((bytes == null) == (documentId == null)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "an image query is either an uploaded image or the"
                    + " id of an indexed document, not both or neither");
        }
        if (bytes != null && bytes.length == 0) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "the uploaded image is empty");
        }
        if (documentId != null && documentId.isBlank()) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "imageId is blank");
        }
    }

    public static QueryImage upload(byte[] bytes) {
        return new QueryImage(bytes, null);
    }

    public static QueryImage similarTo(String documentId) {
        return new QueryImage(null, documentId);
    }

    @Override
    public String toString() {
        return bytes != null ? "QueryImage[" + bytes.length + " bytes]" : "QueryImage[similar to " + documentId + "]";
    }
}
