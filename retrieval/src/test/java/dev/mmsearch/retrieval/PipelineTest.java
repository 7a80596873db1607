package dev.mmsearch.retrieval;

import dev.mmsearch.retrieval.stages.BuiltinStages;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.HighlightFragment;
import dev.mmsearch.core.Hit;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.experiment.StageKind;
import dev.mmsearch.retrieval.stages.FieldsSummary;
import dev.mmsearch.store.lucene.LuceneCollectionStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** BM25 pipelines end to end on a real Lucene collection (vector recall: see the integration tests). */
class PipelineTest {
    static final StageRegistry REGISTRY = BuiltinStages.registry();

    @TempDir
    static Path dir;
    static LuceneCollectionStore store;
    static SearchCollection collection;

    @BeforeAll
    static void open() {
        store = new LuceneCollectionStore(dir);
        collection = TestCollections.create(store);
    }

    @AfterAll
    static void close() {
        store.close();
    }

    static Pipeline pipeline(Map<String, Object> qp, Map<String, Object> recall, Map<String, Object> rank,
                             Map<String, Object> summary) {
        return new Pipeline("test", "v1", Map.of("recall-layer", "arm"),
                REGISTRY.create(StageKind.QP, "qp", qp, QueryStage.class),
                REGISTRY.create(StageKind.RECALL, "recall", recall, RecallStage.class),
                REGISTRY.create(StageKind.RANK, "rank", rank, RankStage.class),
                REGISTRY.create(StageKind.SUMMARY, "summary", summary, SummaryStage.class));
    }

    static Pipeline bm25(Map<String, Object> summary) {
        return pipeline(Map.of("type", "normalize"), Map.of("type", "bm25", "k", 100), Map.of("type", "none"), summary);
    }

    static SearchResult run(Pipeline pipeline, SearchQuery query) {
        return pipeline.execute(TestCollections.context(collection, query));
    }

    static List<String> ids(SearchResult response) {
        return response.hits().stream().map(Hit::id).toList();
    }

    @Test
    void pagesOfTheSameQueryTileTheFullRanking() {
        Pipeline pipeline = bm25(Map.of("type", "fields"));
        SearchQuery query = SearchQuery.of(TestCollections.NAME, "common words", 24);
        SearchResult all = run(pipeline, query);
        assertThat(all.totalCandidates()).isEqualTo(24);
        // Groups of 4 identical documents score alike: within a group the order is by id.
        assertThat(ids(all).subList(0, 4)).containsExactly("g00", "g01", "g02", "g03");
        List<String> paged = new ArrayList<>();
        for (int offset = 0; offset < 24; offset += 5) {
            SearchResult page = run(pipeline, query.withPage(offset, 5));
            assertThat(page.hits()).extracting(Hit::rank).first().isEqualTo(offset + 1);
            paged.addAll(ids(page));
        }
        assertThat(paged).isEqualTo(ids(all));
        assertThat(run(pipeline, query.withPage(30, 5)).hits()).isEmpty();
        for (int i = 1; i < all.hits().size(); i++) {
            assertThat(all.hits().get(i).score()).isLessThanOrEqualTo(all.hits().get(i - 1).score());
        }
    }

    @Test
    void reportsArmsVersionTimingsAndScoreMaps() {
        SearchResult response = run(bm25(Map.of("type", "fields")), SearchQuery.of(TestCollections.NAME, "cats", 3));
        assertThat(response.scene()).isEqualTo("test");
        assertThat(response.configVersion()).isEqualTo("v1");
        assertThat(response.arms()).containsEntry("recall-layer", "arm");
        assertThat(response.timingsMs()).containsKeys("qp", "recall", "recall.bm25", "rank", "summary", "total")
                .doesNotContainKey("encode");
        assertThat(response.timingsMs().get("total")).isGreaterThanOrEqualTo(response.timingsMs().get("recall"));
        assertThat(ids(response)).containsExactlyInAnyOrder("cat1", "cat2", "dog1");
        Hit first = response.hits().getFirst();
        assertThat(first.scores()).containsOnlyKeys("bm25");
        assertThat(first.scores().get("bm25")).isEqualTo(first.score()).isPositive();
        assertThat(first.fields()).containsKeys("title", "text", "category", "year");
        assertThat(response.debug()).isNull();
    }

    @Test
    void debugShowsEachStagesCandidatesCappedAt100() {
        Pipeline pipeline = pipeline(Map.of("type", "normalize"), Map.of("type", "multi", "recalls",
                        List.of(Map.of("type", "bm25", "k", 150, "name", "a"), Map.of("type", "bm25", "k", 10, "name", "b"))),
                Map.of("type", "rrf"), Map.of("type", "fields"));
        SearchResult response = run(pipeline, SearchQuery.of(TestCollections.NAME, "  common\u200B   words ", 5)
                .withDebug(true));
        assertThat(response.debug().queryText()).isEqualTo("common words");
        assertThat(response.debug().candidates()).containsOnlyKeys("recall.a", "recall.b", "recall", "rank");
        assertThat(response.debug().candidates().get("recall.a")).hasSize(24);
        assertThat(response.debug().candidates().get("recall.b")).hasSize(10);
        assertThat(response.debug().candidates().get("rank").getFirst().scores()).containsKeys("a", "b", "fusion");
        assertThat(response.timingsMs()).containsKeys("recall.a", "recall.b");
        // The debug list is capped: a collection of 28 cannot show it, so check the cap directly.
        Trace trace = new Trace(true);
        List<Candidate> many = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            many.add(new Candidate("x" + i, i, Map.of()));
        }
        trace.candidates("recall", many);
        assertThat(trace.candidates().get("recall")).hasSize(Trace.MAX_DEBUG_CANDIDATES);
        Trace quiet = new Trace(false);
        quiet.candidates("recall", many);
        assertThat(quiet.candidates()).isEmpty();
    }

    @Test
    void summaryChoosesFieldsCutsTextAndHighlights() {
        Pipeline pipeline = bm25(Map.of("type", "fields", "fields", List.of("text", "title", "nonexistent"),
                "highlight", List.of("text"), "maxTextChars", 12));
        SearchResult response = run(pipeline, SearchQuery.of(TestCollections.NAME, "purr loudly", 1));
        Hit hit = response.hits().getFirst();
        assertThat(hit.id()).isEqualTo("cat2");
        assertThat(hit.fields()).containsOnlyKeys("text", "title", FieldsSummary.HIGHLIGHTS_FIELD);
        assertThat(hit.fields().get("text")).isEqualTo("Cats are sma…");
        assertThat(hit.fields().get("title")).isEqualTo("Cats at home…");
        @SuppressWarnings("unchecked")
        Map<String, List<HighlightFragment>> highlights =
                (Map<String, List<HighlightFragment>>) hit.fields().get(FieldsSummary.HIGHLIGHTS_FIELD);
        assertThat(highlights).containsOnlyKeys("text");
        assertThat(highlights.get("text")).flatMap(HighlightFragment::matches).contains("purr", "loudly");
        assertThat(highlights.get("text")).as("highlights are not cut to maxTextChars").allSatisfy(
                fragment -> assertThat(fragment.text()).hasSizeGreaterThan(12).doesNotEndWith("…"));
    }

    @Test
    void filtersReachTheRecall() {
        Pipeline pipeline = bm25(Map.of("type", "fields", "fields", List.of("category")));
        SearchQuery query = SearchQuery.of(TestCollections.NAME, "common", 50).withFilter(new Filter.Term("category", "odd"));
        SearchResult response = run(pipeline, query);
        assertThat(response.hits()).hasSize(12).allSatisfy(h -> assertThat(h.fields()).containsEntry("category", "odd"));
        SearchResult ranged = run(pipeline, query.withFilter(new Filter.Range("year", 2004.0, null, null, 2008.0)));
        assertThat(ids(ranged)).containsExactlyInAnyOrder("g04", "g05", "g06", "g07");
    }

    @Test
    void queryThatNormalisesToNothingIsAnEmptyQuery() {
        assertThatThrownBy(() -> run(bm25(Map.of("type", "fields")), SearchQuery.of(TestCollections.NAME, "\u200B\u0007", 5)))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EMPTY_QUERY));
    }

    @Test
    void aRankStageThatDoesNotFitTheRecallIsRefusedWhenThePipelineIsBuilt() {
        assertThatThrownBy(() -> pipeline(Map.of("type", "identity"), Map.of("type", "bm25"),
                Map.of("type", "weighted", "weights", Map.of("vector", 1.0)), Map.of("type", "fields")))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("names recalls [vector]").hasMessageContaining("[bm25]");
    }

    @Test
    void contextRefusesAQueryForAnotherCollection() {
        assertThatThrownBy(() -> TestCollections.context(collection, SearchQuery.of("other", "q", 1)))
                .hasMessageContaining("'other'");
    }
}
