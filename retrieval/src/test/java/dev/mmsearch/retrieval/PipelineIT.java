package dev.mmsearch.retrieval;

import dev.mmsearch.retrieval.stages.BuiltinStages;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.EncoderProvider;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.Hit;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.core.experiment.Arm;
import dev.mmsearch.core.experiment.ExperimentConfig;
import dev.mmsearch.core.experiment.Layer;
import dev.mmsearch.core.experiment.Scene;
import dev.mmsearch.core.experiment.StageKind;
import dev.mmsearch.inference.onnx.EncoderOptions;
import dev.mmsearch.inference.ModelRegistry;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pipelines with vector recall: a real bge-small-en-v1.5 encoder and a Lucene collection in a temp folder. */
class PipelineIT {
    static final String MODEL = "bge-small-en-v1.5";
    static final String[][] DOCS = {
            {"cat", "pets", "Cats", "Domestic cats sleep most of the day and purr when they are content."},
            {"dog", "pets", "Dogs", "Dogs are loyal companions that need daily walks and play."},
            {"fish", "pets", "Aquarium fish", "Goldfish live in tanks with filtered water and need regular feeding."},
            {"solar", "energy", "Solar panels", "Photovoltaic panels turn sunlight into electric power for houses."},
            {"wind", "energy", "Wind turbines", "Wind farms generate electricity as the blades spin in strong wind."},
            {"coal", "energy", "Coal plants", "Burning coal releases carbon dioxide while producing electricity."},
            {"bread", "food", "Sourdough", "Sourdough bread rises slowly thanks to wild yeast and bacteria."},
            {"pasta", "food", "Fresh pasta", "Fresh pasta is made from flour and eggs, rolled thin and cut."},
    };
    static final Map<String, Object> HYBRID = Map.of("type", "multi", "recalls",
            List.of(Map.of("type", "vector", "k", 5, "name", "dense"),
                    Map.of("type", "vector", "k", 8, "numCandidates", 50, "name", "dense-wide"),
                    Map.of("type", "bm25", "k", 5)));

    @TempDir
    static Path dir;
    static LuceneCollectionStore store;
    static ModelRegistry models;
    static QueryEncoders encoders;
    static SearchCollection collection;
    static CompiledExperiments experiments;

    @BeforeAll
    static void build() {
        models = new ModelRegistry(TestPaths.testCache().resolve("models"), EncoderOptions.defaults());
        encoders = new QueryEncoders(models);
        TextEncoder encoder = models.textEncoder(MODEL);
        CollectionSchema schema = new CollectionSchema("{title}. {text}", List.of("title", "text"), List.of("category"));
        store = new LuceneCollectionStore(dir);
        collection = store.getOrCreate("small", schema, encoder.stamp());
        List<Document> docs = new ArrayList<>();
        for (String[] d : DOCS) {
            docs.add(new Document(d[0], Map.of("category", d[1], "title", d[2], "text", d[3])));
        }
        float[][] vectors = encoder.encodeDocuments(docs.stream().map(schema::embedText).toList());
        List<EmbeddedDocument> embedded = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            embedded.add(new EmbeddedDocument(docs.get(i), vectors[i]));
        }
        collection.upsert(embedded);
        collection.commit();
        Scene qa = new Scene("qa", List.of(
                new Layer("recall", StageKind.RECALL, "s1", List.of(new Arm("dense", 1, Map.of("type", "vector", "k", 5, "name", "dense")),
                        new Arm("hybrid", 1, HYBRID))),
                new Layer("rank", StageKind.RANK, "s2", List.of(new Arm("rrf", 1, Map.of("type", "rrf")),
                        new Arm("weighted", 1, Map.of("type", "weighted", "weights", Map.of("dense", 0.6, "bm25", 0.4),
                                "normalize", "zscore"))))));
        Map<String, Object> diversify = Map.of("type", "chain", "stages", List.of(Map.of("type", "mmr", "lambda", 0.5),
                Map.of("type", "threshold", "min", 0.5, "on", "vector")));
        Scene diverse = new Scene("diverse", List.of(new Layer("rank", StageKind.RANK, "s3",
                List.of(new Arm("mmr", 1, diversify)))));
        experiments = CompiledExperiments.compile(ExperimentConfig.of("it-1", List.of(qa, diverse)), BuiltinStages.registry());
    }

    @AfterAll
    static void close() {
        store.close();
        models.close();
    }

    /** Counts query encodings of the real encoders it hands out. */
    static final class CountingEncoders implements EncoderProvider {
        final AtomicInteger encodings = new AtomicInteger();

        @Override
        public TextEncoder textEncoder(String modelId) {
            TextEncoder real = models.textEncoder(modelId);
            return new TextEncoder() {
                public ModelStamp stamp() {
                    return real.stamp();
                }

                public int maxSequenceLength() {
                    return real.maxSequenceLength();
                }

                public float[][] encodeQueries(List<String> queries) {
                    encodings.incrementAndGet();
                    return real.encodeQueries(queries);
                }

                public float[][] encodeDocuments(List<String> documents) {
                    return real.encodeDocuments(documents);
                }

                public int countTokens(String text) {
                    return real.countTokens(text);
                }

                public void close() {
                }
            };
        }

        @Override
        public List<String> modelIds() {
            return models.modelIds();
        }

        @Override
        public void close() {
        }
    }

    static SearchQuery query(String text, int topK) {
        return SearchQuery.of("small", text, topK);
    }

    @Test
    void twoVectorRecallsShareOneEncodingAndMissingScoresStayAbsent() {
        CountingEncoders counting = new CountingEncoders();
        SearchResult response = experiments.execute(query("kittens napping all afternoon", 3).withDebug(true)
                .withForcedArms(Map.of("recall", "hybrid", "rank", "weighted")), collection, new QueryEncoders(counting));
        assertThat(counting.encodings.get()).isEqualTo(1);
        assertThat(response.timingsMs()).containsKeys("encode", "recall.dense", "recall.dense-wide", "recall.bm25");
        Hit top = response.hits().getFirst();
        assertThat(top.id()).isEqualTo("cat"); // no word in common with the query: found by meaning only
        assertThat(top.scores()).containsKeys("dense", "dense-wide", "fusion").doesNotContainKey("bm25");
        assertThat(top.scores().get("dense")).isEqualTo(top.scores().get("dense-wide"));
        assertThat(response.debug().candidates().get("recall.dense")).hasSize(5);
        assertThat(response.debug().candidates().get("recall.dense-wide")).hasSize(8);
        assertThat(response.debug().candidates().get("recall.bm25")).isEmpty();
        assertThat(response.arms()).containsExactly(Map.entry("recall", "hybrid"), Map.entry("rank", "weighted"));
    }

    @Test
    void filtersApplyInsideTheVectorSearch() {
        SearchResult response = experiments.execute(query("electricity from renewable sources", 3)
                .withFilter(new Filter.Term("category", "food")).withForcedArms(Map.of("recall", "dense", "rank", "rrf")),
                collection, encoders);
        assertThat(response.hits()).extracting(Hit::id).containsExactlyInAnyOrder("bread", "pasta");
        SearchResult unfiltered = experiments.execute(query("electricity from renewable sources", 2)
                .withForcedArms(Map.of("recall", "dense", "rank", "rrf")), collection, encoders);
        assertThat(unfiltered.hits()).extracting(Hit::id).containsExactlyInAnyOrder("solar", "wind");
    }

    @Test
    void aRecallAskingForAnotherModelIsAModelMismatch() {
        Pipeline pipeline = new Pipeline("s", "v", Map.of(), dev.mmsearch.retrieval.stages.IdentityQuery.INSTANCE,
                BuiltinStages.registry().create(StageKind.RECALL, "arm 'minilm'", Map.of("type", "vector", "model", "all-MiniLM-L6-v2"),
                        RecallStage.class), dev.mmsearch.retrieval.stages.NoRank.INSTANCE,
                BuiltinStages.registry().create(StageKind.SUMMARY, "s", Map.of("type", "fields"), SummaryStage.class));
        assertThatThrownBy(() -> pipeline.execute(new RequestContext(query("cats", 3), collection, encoders)))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MODEL_MISMATCH))
                .hasMessageContaining(MODEL).hasMessageContaining("all-MiniLM-L6-v2");
    }

    @Test
    void diversityChainDropsLowSimilarityAndKeepsRelevantFirst() {
        SearchResult response = experiments.execute(query("pets at home", 8).withScene("diverse"), collection, encoders);
        assertThat(response.scene()).isEqualTo("diverse");
        assertThat(response.hits()).isNotEmpty().allSatisfy(h -> assertThat(h.scores().get("vector")).isGreaterThanOrEqualTo(0.5f));
        assertThat(response.totalCandidates()).isLessThan(8);
        assertThat(response.hits().getFirst().scores()).containsKey("mmr");
    }

    @Test
    void concurrentRequestsOnSharedPipelinesGetTheSameAnswersAsSequentialOnes() throws Exception {
        List<SearchQuery> queries = new ArrayList<>();
        String[] texts = {"kittens napping", "green electricity", "baking bread at home", "loyal animals", "carbon emissions"};
        for (int i = 0; i < 40; i++) {
            queries.add(query(texts[i % texts.length], 4).withUser("user-" + i).withDebug(i % 3 == 0)
                    .withScene(i % 4 == 0 ? "diverse" : null));
        }
        List<SearchResult> expected = new ArrayList<>();
        for (SearchQuery q : queries) {
            expected.add(experiments.execute(q, collection, encoders));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<SearchResult>> futures = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (SearchQuery q : queries) {
                    futures.add(pool.submit(() -> experiments.execute(q, collection, encoders)));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                SearchResult got = futures.get(i).get();
                SearchResult want = expected.get(i % queries.size());
                assertThat(got.arms()).isEqualTo(want.arms());
                assertThat(got.hits()).extracting(Hit::id).isEqualTo(want.hits().stream().map(Hit::id).toList());
                assertThat(got.hits()).extracting(Hit::scores).isEqualTo(want.hits().stream().map(Hit::scores).toList());
                assertThat(got.debug() == null).isEqualTo(want.debug() == null);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(expected.stream().map(SearchResult::arms).distinct().count()).isGreaterThanOrEqualTo(3);
    }
}
