package dev.mmsearch.ingest;

import dev.mmsearch.core.Json;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The BEIR evaluation path end to end on a small SciFact slice (first 300 documents, the test queries
 * judged on them): index, cache reuse, dense and BM25 search (plain store searches, {@link StoreSearches}),
 * metrics. The model is {@code all-MiniLM-L6-v2-q} for speed; {@code -Dmmsearch.evalModel=bge-small-en-v1.5} runs
 * the same path with the model of {@link ScifactQualityIT}.
 */
class BeirEvaluationIT {
    static final int DOCS = 300;

    @TempDir
    Path dir;

    @Test
    void evaluatesASciFactSliceDenseAndBm25AndReusesTheEncodedCorpus() throws IOException {
        String model = System.getProperty("mmsearch.evalModel", "all-MiniLM-L6-v2-q");
        Path slice = sciFactSlice(dir.resolve("scifact-300"));
        int expectedQueries = BeirDataset.load(slice, null).evaluatedQueryIds().size();
        assertThat(expectedQueries).isEqualTo(21);

        try (ModelRegistry registry = new ModelRegistry(TestPaths.testCache().resolve("models"));
             LuceneCollectionStore store = new LuceneCollectionStore(dir.resolve("collections"))) {
            EvalResult dense = BeirEvaluation.run(slice, null, model, "dense",
                    StoreSearches.dense(store, registry, model), store, registry, IndexProgress.NONE);

            assertThat(dense.queries()).isEqualTo(21);
            assertThat(dense.collection()).isEqualTo(BeirEvaluation.collectionName("scifact-300", model));
            assertThat(dense.indexing().indexed()).isEqualTo(DOCS);
            assertThat(store.get(dense.collection()).count()).isEqualTo(DOCS);
            // 21 queries over 300 documents is an easy task: a working dense retriever ranks most answers first
            assertThat(dense.ndcgAt10()).isGreaterThan(0.75);
            assertThat(dense.recallAt100()).isGreaterThan(0.95);
            assertThat(dense.mrrAt10()).isGreaterThan(0.7);

            EvalResult bm25 = BeirEvaluation.run(slice, null, model, "bm25",
                    StoreSearches.bm25(store), store, registry, IndexProgress.NONE);
            assertThat(bm25.indexing().indexed()).isZero();       // the encoded corpus was reused
            assertThat(bm25.indexing().skipped()).isEqualTo(DOCS);
            assertThat(bm25.queries()).isEqualTo(21);
            assertThat(bm25.retriever()).isEqualTo("bm25");
            assertThat(bm25.ndcgAt10()).isGreaterThan(0.7);

            EvalResult again = BeirEvaluation.run(slice, null, model, "dense",
                    StoreSearches.dense(store, registry, model), store, registry, IndexProgress.NONE);
            assertThat(again.indexing().indexed()).isZero();
            assertThat(again.ndcgAt10()).isEqualTo(dense.ndcgAt10()); // same vectors, same exact ranking

            JsonNode json = Json.MAPPER.readTree(dense.toJson());
            assertThat(json.get("queries").asInt()).isEqualTo(21);
            assertThat(json.get("ndcg@10").asDouble()).isEqualTo(dense.ndcgAt10(), org.assertj.core.data.Offset.offset(1e-6));
        }
    }

    /** The first {@value #DOCS} corpus lines, all queries, and the test qrels restricted to those documents. */
    static Path sciFactSlice(Path target) throws IOException {
        Path scifact = TestPaths.sharedData().resolve("scifact");
        Files.createDirectories(target.resolve("qrels"));
        List<String> corpus;
        try (var lines = Files.lines(scifact.resolve("corpus.jsonl"))) {
            corpus = lines.limit(DOCS).toList();
        }
        Files.write(target.resolve("corpus.jsonl"), corpus);
        Files.copy(scifact.resolve("queries.jsonl"), target.resolve("queries.jsonl"));
        Set<String> ids = new HashSet<>();
        for (String line : corpus) {
            ids.add(Json.MAPPER.readTree(line).get("_id").asString());
        }
        List<String> qrels = new ArrayList<>();
        List<String> all = Files.readAllLines(scifact.resolve("qrels/test.tsv"));
        qrels.add(all.get(0));
        for (String line : all.subList(1, all.size())) {
            if (ids.contains(line.split("\t")[1])) {
                qrels.add(line);
            }
        }
        Files.write(target.resolve("qrels/test.tsv"), qrels);
        return target;
    }
}
