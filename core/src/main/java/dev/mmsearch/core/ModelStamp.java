package dev.mmsearch.core;

import java.util.Objects;

/**
 * What every collection records about the model that embedded it. Two stamps are
 * compatible when id, checksum, dimension and metric are all equal; anything else means the
 * stored vectors and new query vectors live in different spaces.
 *
 * @param modelId   registry id, e.g. {@code bge-small-en-v1.5}
 * @param checksum  SHA-256 (hex) of the ONNX file(s) the vectors came from
 * @param dimension embedding dimension
 * @param metric    similarity the vectors are meant for
 */
public record ModelStamp(String modelId, String checksum, int dimension, VectorSimilarity metric) {
    public ModelStamp {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(checksum, "checksum");
        Objects.requireNonNull(metric, "metric");
        if (dimension <= 0) {
            throw new IllegalArgumentException("dimension must be positive: " + dimension);
        }
    }

    public boolean compatibleWith(ModelStamp other) {
        return equals(other);
    }

    /** Short human form used in error messages: {@code bge-small-en-v1.5 (sha256:1a2b3c4d, 384-d, COSINE)}. */
    public String describe() {
        return modelId + " (sha256:" + checksum.substring(0, Math.min(12, checksum.length())) + ", "
                + dimension + "-d, " + metric + ")";
    }

    /**
     * Refuses to use {@code collection}'s vectors with {@code model}; the message names both.
     *
     * @throws MmsearchException with {@link ErrorCode#MODEL_MISMATCH}
     */
    public static void requireCompatible(String collection, ModelStamp collectionStamp, ModelStamp model) {
        if (!collectionStamp.compatibleWith(model)) {
            throw new MmsearchException(ErrorCode.MODEL_MISMATCH,
                    "collection '" + collection + "' was built with model " + collectionStamp.describe()
                            + " but model " + model.describe() + " was given; search it with "
                            + collectionStamp.modelId() + " or re-index it with the new model");
        }
    }
}
