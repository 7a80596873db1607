package dev.mmsearch.core;

/** How two embeddings are compared. Encoders that L2-normalise use {@link #COSINE}. */
public enum VectorSimilarity {
    COSINE, DOT_PRODUCT, EUCLIDEAN
}
