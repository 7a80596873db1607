package dev.mmsearch.ingest;

import dev.mmsearch.core.Json;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Retrieval quality of one model/retriever on one BEIR dataset (means over the evaluated queries).
 *
 * @param seconds    wall time of the whole evaluation (indexing included)
 * @param collection the collection that held the corpus
 * @param indexing   what preparing that collection did (all skipped when the cached corpus was reused)
 */
public record EvalResult(double ndcgAt10, double recallAt100, double mrrAt10, int queries, String retriever,
                         String model, double seconds, String collection, IndexSummary indexing) {

    /**
     * One JSON object: {@code ndcg@10}, {@code recall@100}, {@code mrr@10}, {@code queries}, then
     * {@code retriever}, {@code model}, {@code collection}, {@code seconds}, {@code indexed}, {@code skipped}.
     */
    public String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("ndcg@10", round(ndcgAt10));
        json.put("recall@100", round(recallAt100));
        json.put("mrr@10", round(mrrAt10));
        json.put("queries", queries);
        json.put("retriever", retriever);
        json.put("model", model);
        json.put("collection", collection);
        json.put("seconds", Math.round(seconds * 10) / 10.0);
        if (indexing != null) {
            json.put("indexed", indexing.indexed());
            json.put("skipped", indexing.skipped());
        }
        return Json.MAPPER.writeValueAsString(json);
    }

    private static double round(double value) {
        return Math.round(value * 1e6) / 1e6;
    }
}
