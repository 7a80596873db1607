package dev.mmsearch.ingest;

import dev.mmsearch.core.Json;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;


class EvalResultTest {

    @Test
    void jsonHasTheMetricKeysFirstThenDetails() {
        IndexSummary indexing = new IndexSummary(5183, 0, 5183, 0, 0, Duration.ofSeconds(2), 0, null);
        EvalResult result = new EvalResult(0.7134567891, 0.93, 0.68, 300, "dense", "bge-small-en-v1.5", 12.34,
                "beir-scifact-bge-small-en-v1-5", indexing);
        JsonNode json = Json.MAPPER.readTree(result.toJson());
        List<String> keys = new ArrayList<>(json.propertyNames());
        assertThat(keys.subList(0, 4)).containsExactly("ndcg@10", "recall@100", "mrr@10", "queries");
        assertThat(keys).contains("model", "retriever", "collection", "seconds", "indexed", "skipped");
        assertThat(json.get("ndcg@10").asDouble()).isEqualTo(0.713457);
        assertThat(json.get("queries").asInt()).isEqualTo(300);
        assertThat(json.get("retriever").asString()).isEqualTo("dense");
        assertThat(json.get("skipped").asLong()).isEqualTo(5183);
    }

    @Test
    void collectionNamesAreSanitisedModelIds() {
        assertThat(BeirEvaluation.collectionName("scifact", "bge-small-en-v1.5")).isEqualTo("beir-scifact-bge-small-en-v1-5");
        assertThat(BeirEvaluation.collectionName("SciFact", "all-MiniLM-L6-v2-q")).isEqualTo("beir-scifact-all-minilm-l6-v2-q");
        assertThat(BeirEvaluation.collectionName("my data", "org/Model..x")).isEqualTo("beir-my-data-org-model-x");
        assertThat(BeirEvaluation.collectionName("d", "m".repeat(100))).hasSize(64);
    }
}
