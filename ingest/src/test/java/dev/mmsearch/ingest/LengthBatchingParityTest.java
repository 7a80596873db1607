package dev.mmsearch.ingest;

import dev.mmsearch.core.VectorQuery;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sorting a window by length must not change which vector a document gets. Uses the fp32 model (its
 * vectors do not depend on batch composition beyond float noise) and real SciFact texts of varied length.
 */
class LengthBatchingParityTest {
    @TempDir
    Path dir;

    @Test
    void lengthSortedBatchesGiveEveryDocumentTheSameVectorAsInputOrderBatches() throws IOException {
        List<Document> docs = new ArrayList<>();
        try (JsonlSource source = JsonlSource.open(TestPaths.sharedData().resolve("scifact/corpus.jsonl"),
                BeirDataset.IGNORED_FIELDS)) {
            while (docs.size() < 48 && source.hasNext()) {
                Document d = ((SourceDocument) source.next()).document();
                // cut texts to 40..600 characters so lengths vary widely but the test stays quick
                int cut = Math.min(d.text("text").length(), 40 + (docs.size() * 97) % 560);
                docs.add(new Document(d.id(), java.util.Map.of("title", d.text("title"), "text", d.text("text").substring(0, cut))));
            }
        }
        List<String> lines = docs.stream().map(d -> IndexerTest.line(d.id(), d.text("title"), d.text("text"))).toList();
        Path input = dir.resolve("scifact-48.jsonl");
        Files.write(input, lines, StandardCharsets.UTF_8);

        try (ModelRegistry registry = new ModelRegistry(TestPaths.testCache().resolve("models"));
             LuceneCollectionStore store = new LuceneCollectionStore(dir.resolve("collections"))) {
            TextEncoder encoder = registry.textEncoder("all-MiniLM-L6-v2");
            SearchCollection inOrder = store.getOrCreate("in-order", CollectionSchema.BEIR, encoder.stamp());
            SearchCollection sorted = store.getOrCreate("sorted", CollectionSchema.BEIR, encoder.stamp());
            IndexOptions options = IndexOptions.defaults().withBatchSize(8);
            Indexer.index(input, inOrder, encoder, null, options.withWindowFactor(1), IndexProgress.NONE, dir);
            Indexer.index(input, sorted, encoder, null, options.withWindowFactor(6), IndexProgress.NONE, dir);
            assertThat(inOrder.count()).isEqualTo(48);
            assertThat(sorted.count()).isEqualTo(48);

            // Each document's own vector, computed alone, must find that document first with cosine ~1 in both.
            float[][] alone = new float[docs.size()][];
            for (int i = 0; i < docs.size(); i++) {
                alone[i] = encoder.encodeDocuments(List.of(CollectionSchema.BEIR.embedText(docs.get(i))))[0];
            }
            for (int i = 0; i < docs.size(); i++) {
                String id = docs.get(i).id();
                for (SearchCollection collection : List.of(inOrder, sorted)) {
                    ScoredId best = collection.search(VectorQuery.of(alone[i], 1, 100)).get(0);
                    assertThat(best.id()).as("nearest to %s in %s", id, collection.name()).isEqualTo(id);
                    // Lucene's cosine score is (1 + cos) / 2: 0.99999 means cos > 0.99998
                    assertThat(best.score()).as("score of %s in %s", id, collection.name()).isGreaterThan(0.99999f);
                }
            }
        }
    }
}
