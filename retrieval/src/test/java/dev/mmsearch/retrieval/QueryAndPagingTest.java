package dev.mmsearch.retrieval;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.retrieval.stages.NormalizeQuery;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QueryAndPagingTest {

    @Test
    void normalizeStripsInvisibleCharactersAndCollapsesWhitespace() {
        NormalizeQuery normalize = new NormalizeQuery(new NormalizeQuery.Params(null, null, null));
        assertThat(normalize.normalize("  cats\u200B\tand\u0000 \n dogs\u00A0 ")).isEqualTo("cats and dogs");
        assertThat(normalize.normalize("ＣＡＴＳ ﬁsh")).isEqualTo("CATS fish"); // NFKC: full-width, ligature
        assertThat(new NormalizeQuery(new NormalizeQuery.Params(false, true, 6)).normalize("ＣＡＴＳ  Dogs"))
                .isEqualTo("ｃａｔｓ d");
        assertThat(normalize.normalize("\u0007\u200E ")).isEmpty();
        assertThat(new NormalizeQuery(new NormalizeQuery.Params(true, false, 2)).normalize("a\uD83D\uDE00b")).isEqualTo("a");
    }

    @Test
    void searchQueryRefusesImpossiblePages() {
        assertThat(SearchQuery.of("c", "q", 10).withPage(990, 10).depth()).isEqualTo(1000);
        assertThatThrownBy(() -> SearchQuery.of("c", "q", 10).withPage(991, 10))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("offset + topK = 1001").hasMessageContaining("1000");
        assertThatThrownBy(() -> SearchQuery.of("c", "q", 0)).hasMessageContaining("topK must be between 1 and 1000");
        assertThatThrownBy(() -> SearchQuery.of("c", "q", 10).withPage(-1, 10)).hasMessageContaining("offset");
        assertThatThrownBy(() -> SearchQuery.of("c", " \t", 10))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.EMPTY_QUERY));
        assertThatThrownBy(() -> SearchQuery.of(" ", "q", 10)).hasMessageContaining("collection");
        assertThat(SearchQuery.of("c", "q", 10).forcedArms()).isEmpty();
    }

    @Test
    void searchQueryCarriesTheModelAndRetrieverBlankMeaningNone() {
        SearchQuery q = SearchQuery.of("c", "q", 10).withModel(" tiny-clip-zh ").withRetriever("bm25");
        assertThat(q.model()).isEqualTo("tiny-clip-zh");
        assertThat(q.retriever()).isEqualTo("bm25");
        assertThat(q.withPage(10, 5).model()).isEqualTo("tiny-clip-zh"); // kept by every wither
        assertThat(q.withModel("  ").model()).isNull();
        assertThat(q.withRetriever("").retriever()).isNull();
        assertThat(SearchQuery.of("c", "q", 10).model()).isNull();
    }

    @Test
    void searchQueryRefusesTextLongerThanTheLimitAs413() {
        assertThat(SearchQuery.of("c", "a".repeat(SearchQuery.MAX_QUERY_CHARS), 1).text()).hasSize(100_000);
        assertThatThrownBy(() -> SearchQuery.of("c", "a".repeat(SearchQuery.MAX_QUERY_CHARS + 1), 1))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE))
                .hasMessageContaining("100001 characters").hasMessageContaining("100000");
    }

    @Test
    void pagesAreSlicesOfOneTotalOrder() {
        List<Candidate> candidates = new java.util.ArrayList<>(List.of(new Candidate("d", 1f, Map.of()),
                new Candidate("b", 2f, Map.of()), new Candidate("c", 2f, Map.of()), new Candidate("a", 2f, Map.of()),
                new Candidate("e", 0.5f, Map.of())));
        candidates.sort(Candidate.BY_SCORE_THEN_ID);
        assertThat(candidates).extracting(Candidate::id).containsExactly("a", "b", "c", "d", "e");
        assertThat(Pipeline.page(candidates, 0, 2)).extracting(Candidate::id).containsExactly("a", "b");
        assertThat(Pipeline.page(candidates, 2, 2)).extracting(Candidate::id).containsExactly("c", "d");
        assertThat(Pipeline.page(candidates, 4, 2)).extracting(Candidate::id).containsExactly("e");
        assertThat(Pipeline.page(candidates, 5, 2)).isEmpty();
        assertThat(Pipeline.page(candidates, 50, 2)).isEmpty();
    }
}
