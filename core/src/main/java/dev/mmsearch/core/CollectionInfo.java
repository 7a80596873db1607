package dev.mmsearch.core;

import java.time.Instant;

/** A snapshot of what a collection holds, for listings and the UI. */
public record CollectionInfo(String name, ModelStamp stamp, CollectionSchema schema, long documentCount,
                             long sizeBytes, Instant lastModified) {
}
