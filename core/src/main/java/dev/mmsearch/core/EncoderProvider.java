package dev.mmsearch.core;

import java.util.List;

/** Finds text encoders by model id; encoders are loaded once and shared. */
public interface EncoderProvider extends AutoCloseable {

    /** @throws MmsearchException MODEL_NOT_FOUND with the ids that exist */
    TextEncoder textEncoder(String modelId);

    /**
     * The image tower of a multimodal model (CLIP). Its stamp equals the stamp of
     * {@code textEncoder(modelId)} for the same model.
     *
     * @throws MmsearchException MODEL_NOT_FOUND when the model has no image tower or does not exist
     */
    default ImageEncoder imageEncoder(String modelId) {
        throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND,
                "model '" + modelId + "' has no image encoder here; image search needs a CLIP model");
    }

    /** Ids this provider can load. */
    List<String> modelIds();

    @Override
    void close();
}
