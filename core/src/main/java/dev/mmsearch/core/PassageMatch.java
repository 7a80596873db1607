package dev.mmsearch.core;

/**
 * Which passage of a hit matched a vector query best: its number in the document (0-based) and its offsets in the
 * passage field's joined text (see {@link Passage}). Null on hits of collections without passages.
 */
public record PassageMatch(String field, int index, int start, int end) {
}
