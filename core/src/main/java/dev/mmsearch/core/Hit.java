package dev.mmsearch.core;

import java.util.Map;

/**
 * One result.
 *
 * @param id     document id
 * @param rank   1-based position in the full result list
 * @param score  final score (higher is better)
 * @param scores score per stage/recall that produced it, e.g. {@code {"dense": 0.83}}
 * @param fields the stored document fields
 */
public record Hit(String id, int rank, float score, Map<String, Float> scores, Map<String, Object> fields) {
}
