package dev.mmsearch.core;

import java.util.List;

/** Finds text encoders by model id; encoders are loaded once and shared. */
public interface EncoderProvider extends AutoCloseable {

    /** @throws MmsearchException MODEL_NOT_FOUND with the ids that exist */
    TextEncoder textEncoder(String modelId);

    /** Ids this provider can load. */
    List<String> modelIds();

    @Override
    void close();
}
