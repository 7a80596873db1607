package dev.mmsearch.core;

/** One candidate from a recall: the document id and the retriever's score (higher is better). */
public record ScoredId(String id, float score) {
}
