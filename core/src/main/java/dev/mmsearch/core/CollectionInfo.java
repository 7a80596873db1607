package dev.mmsearch.core;

import java.time.Instant;

/** A snapshot of what a collection holds, for listings and the UI. */
public record CollectionInfo(String name, ModelStamp stamp, CollectionSchema schema, long documentCount,
                             long sizeBytes, Instant lastModified) {

    /** {@code "image"} when the vectors are image embeddings (CLIP), else {@code "text"}; in the JSON for the UI. */
    @com.fasterxml.jackson.annotation.JsonProperty("modality")
    public String modality() {
        return schema != null && schema.isImageCollection() ? "image" : "text";
    }
}
