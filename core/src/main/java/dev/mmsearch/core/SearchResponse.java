package dev.mmsearch.core;

import java.util.List;
import java.util.Map;

/**
 * @param collection collection searched
 * @param retriever  recall used
 * @param model      model id of the collection's stamp
 * @param hits       the requested page of results
 * @param timingsMs  wall time per stage in milliseconds ({@code encode}, {@code recall}, {@code fetch}, {@code total})
 */
public record SearchResponse(String collection, String retriever, String model, int offset, int topK,
                             List<Hit> hits, Map<String, Double> timingsMs) {
}
