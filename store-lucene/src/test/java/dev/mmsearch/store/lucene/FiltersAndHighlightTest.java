package dev.mmsearch.store.lucene;

import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorQuery;
import static dev.mmsearch.store.lucene.Fixtures.STAMP_A;
import static dev.mmsearch.store.lucene.Fixtures.vectorFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.HighlightFragment;
import dev.mmsearch.core.HighlightFragment.Run;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ScoredId;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Filters in BM25 and dense search on small collections (bounds, types, errors), and highlighting. */
class FiltersAndHighlightTest {
    private static final CollectionSchema SCHEMA = new CollectionSchema("{title}. {text}", List.of("title", "text"),
            List.of("category", "tags"), List.of("price"));

    @TempDir
    Path root;
    LuceneCollectionStore store;
    LuceneCollection shop;

    @BeforeEach
    void open() {
        store = new LuceneCollectionStore(root);
        shop = store.getOrCreate("shop", SCHEMA, STAMP_A);
        shop.upsert(List.of(
                doc("one", "Trail shoes", "Running shoes for rough trails", "shoes", List.of("trail", "sale"), 1.0),
                doc("two", "Road shoes", "Light shoes for running on roads", "shoes", List.of("road"), 2.0),
                doc("three", "Socks", "Wool socks for running in the cold", "socks", List.of("sale"), 3.0),
                doc("zero", "Free sticker", "A sticker, free with any shoes", "extras", List.of(), -0.0),
                doc("many", "Shoe bundle", "Two pairs of shoes", "shoes", List.of("bundle"), List.of(5, 50)),
                doc("none", "Shoe care", "How to clean running shoes", "guides", List.of("guide"), null)));
        shop.commit();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void textSearchWithAFilterKeepsOnlyMatchesAndTheirBm25Scores() {
        List<ScoredId> all = shop.search(TextQuery.of("running shoes", 10));
        assertThat(ids(all)).contains("one", "two", "three", "none");
        Map<String, Float> unfiltered = all.stream().collect(Collectors.toMap(ScoredId::id, ScoredId::score));

        List<ScoredId> shoes = shop.search(TextQuery.of("running shoes", 10, new Filter.Term("category", "shoes")));
        assertThat(ids(shoes)).containsExactlyInAnyOrder("one", "two", "many");
        assertThat(shoes).allSatisfy(hit -> assertThat(hit.score()).isEqualTo(unfiltered.get(hit.id())));
        assertThat(shoes).extracting(ScoredId::score).isSortedAccordingTo(java.util.Comparator.reverseOrder());

        assertThat(ids(shop.search(TextQuery.of("running", 10, new Filter.Terms("tags", List.of("sale", "guide"))))))
                .containsExactlyInAnyOrder("one", "three", "none");
        assertThat(ids(shop.search(TextQuery.of("running shoes", 10, new Filter.Not(new Filter.Term("category", "shoes"))))))
                .containsExactlyInAnyOrder("three", "zero", "none");
        assertThat(shop.search(TextQuery.of("running", 10, new Filter.Term("category", "Shoes"))))
                .as("keywords are exact: case matters").isEmpty();
        assertThat(shop.search(TextQuery.of("running", 10, null))).isEqualTo(shop.search(TextQuery.of("running", 10)));
    }

    @Test
    void rangeBoundsAreInclusiveOrExclusiveAsWritten() {
        assertThat(matching(range(1.0, null, 3.0, null))).containsExactlyInAnyOrder("one", "two", "three");
        assertThat(matching(range(null, 1.0, null, 3.0))).containsExactlyInAnyOrder("two");
        assertThat(matching(range(null, 1.0, 3.0, null))).containsExactlyInAnyOrder("two", "three");
        assertThat(matching(range(2.0, null, 2.0, null))).containsExactlyInAnyOrder("two");
        assertThat(matching(range(null, 2.0, null, null))).containsExactlyInAnyOrder("three", "many");
        // -0.0 is 0: gte 0 includes it, lt 0 does not.
        assertThat(matching(range(0.0, null, null, 1.0))).containsExactlyInAnyOrder("zero");
        assertThat(matching(range(null, null, null, 0.0))).isEmpty();
        assertThat(matching(range(-0.0, null, 0.0, null))).containsExactlyInAnyOrder("zero");
        // A list of numbers matches when any of them is in range.
        assertThat(matching(range(40.0, null, null, null))).containsExactlyInAnyOrder("many");
        assertThat(matching(range(null, null, 6.0, null))).containsExactlyInAnyOrder("one", "two", "three", "zero",
                "many");
        // Not also matches documents that have no value at all.
        assertThat(matching(new Filter.Not(range(null, null, 4.0, null)))).containsExactlyInAnyOrder("many", "none");
    }

    @Test
    void filtersParsedFromJsonWork() {
        Filter filter = Filter.parse(Json.MAPPER.readTree(
                "{\"and\": [{\"terms\": {\"category\": [\"shoes\", \"socks\"]}},"
                        + " {\"or\": [{\"range\": {\"price\": {\"gt\": 2}}}, {\"term\": {\"tags\": \"trail\"}}]}]}"));
        assertThat(matching(filter)).containsExactlyInAnyOrder("one", "three", "many");
    }

    @Test
    void aFilterOnAFieldThatIsNotFilterableThatWayIsRejected() {
        assertInvalid(() -> shop.search(VectorQuery.of(vectorFor("q"), 5, 10, new Filter.Term("title", "Socks"))),
                "filter field 'title' is not a keyword field", "keyword fields (term, terms): [category, tags]",
                "numeric fields (range): [price]");
        assertInvalid(() -> shop.search(TextQuery.of("shoes", 5, new Filter.Range("weight", 1.0, null, null, null))),
                "filter field 'weight' is not a numeric field");
        assertInvalid(() -> shop.search(TextQuery.of("shoes", 5, new Filter.Term("price", "1"))),
                "'price' is a numeric field: filter it with range");
        assertInvalid(() -> shop.search(VectorQuery.of(vectorFor("q"), 5, 10,
                        new Filter.Or(List.of(new Filter.Term("category", "shoes"),
                                new Filter.Not(new Filter.Range("category", null, null, 3.0, null)))))),
                "'category' is a keyword field: filter it with term or terms");
        // Checked even when the text query has no terms left.
        assertInvalid(() -> shop.search(TextQuery.of("the", 5, new Filter.Term("nope", "x"))), "filter field 'nope'");
    }

    @Test
    void deepFiltersBuiltInCodeAreRejectedToo() {
        Filter filter = new Filter.Term("category", "shoes");
        for (int i = 0; i < Filter.MAX_DEPTH; i++) {
            filter = new Filter.Not(filter);
        }
        Filter tooDeep = filter;
        assertInvalid(() -> shop.search(TextQuery.of("shoes", 5, tooDeep)), "deeper than 16");
    }

    @Test
    void aNonNumericValueInANumericFieldRejectsTheWholeBatch() {
        for (Object bad : Arrays.asList("12.5", true, List.of(1, "2"), Double.NaN, Map.of("v", 1))) {
            EmbeddedDocument good = doc("good", "Fine", "fine", "shoes", List.of(), 4.0);
            EmbeddedDocument wrong = doc("bad-doc", "Wrong", "wrong", "shoes", List.of(), bad);
            assertThatThrownBy(() -> shop.upsert(List.of(good, wrong)))
                    .isInstanceOfSatisfying(MmsearchException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                        assertThat(e.getMessage()).contains("document 'bad-doc'", "numeric field 'price'",
                                "nothing of this batch was written");
                    });
        }
        shop.commit();
        assertThat(shop.count()).isEqualTo(6);
        assertThat(shop.fetch(List.of("good"))).isEmpty();
    }

    @Test
    void highlightMarksStemmedMatchesAndKeepsEverythingElseAsRawText() {
        String text = "She runs every morning. <script>alert(1)</script> Then she buys new shoes & socks.";
        shop.upsert(List.of(doc("html", "Trail shoes", text, "footwear", List.of("sale"), 1.0)));
        shop.commit();
        Map<String, List<HighlightFragment>> highlighted = shop.highlight("html", "running shoes",
                List.of("title", "text", "category", "tags", "absent"));
        assertThat(highlighted).as("category 'footwear' and tags 'sale' do not match").containsOnlyKeys("title", "text");
        assertThat(highlighted.get("title")).singleElement().extracting(HighlightFragment::runs)
                .isEqualTo(List.of(new Run("Trail ", false), new Run("shoes", true)));
        assertThat(highlighted.get("text")).hasSize(1);
        HighlightFragment fragment = highlighted.get("text").get(0);
        assertThat(fragment.matches()).containsExactly("runs", "shoes");
        assertThat(fragment.text()).as("the raw text, nothing escaped").isEqualTo(text);
        assertThat(fragment.runs()).contains(new Run(" every morning. <script>alert(1)</script> Then she buys new ",
                false), new Run(" & socks.", false));
    }

    @Test
    void highlightRunsHoldMarkupAroundAndBetweenMatchesExactly() {
        shop.upsert(List.of(doc("tags", "x", "Buy <b>shoes</b> & \"socks\"", "shoes", List.of(), 1.0)));
        shop.commit();
        assertThat(shop.highlight("tags", "shoe", List.of("text"))).containsExactly(Map.entry("text", List.of(
                new HighlightFragment(List.of(new Run("Buy <b>", false), new Run("shoes", true),
                        new Run("</b> & \"socks\"", false))))));
    }

    @Test
    void highlightGivesAtMostThreeShortFragmentsBestFirst() {
        String filler = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ";
        String text = filler.repeat(3) + "she runs " + filler.repeat(4) + "runs in trail shoes daily "
                + filler.repeat(4) + "new shoes " + filler.repeat(4) + "he runs " + filler.repeat(3);
        shop.upsert(List.of(doc("long", "x", text, "shoes", List.of(), 1.0)));
        shop.commit();
        List<HighlightFragment> fragments = shop.highlight("long", "running shoes", List.of("text")).get("text");
        assertThat(fragments).hasSize(Highlighting.MAX_FRAGMENTS);
        assertThat(fragments.get(0).runs()).as("the fragment with both terms is best")
                .containsSubsequence(new Run("runs", true), new Run(" in trail ", false), new Run("shoes", true));
        assertThat(fragments).allSatisfy(fragment -> {
            assertThat(fragment.matches()).isNotEmpty().allMatch(m -> m.equals("runs") || m.equals("shoes"));
            assertThat(text).as("a fragment is a slice of the text").contains(fragment.text());
            assertThat(fragment.text().length()).isBetween(80, 240);
        });
    }

    @Test
    void onlyTheFirstMaxAnalyzedCharsOfAFieldAreHighlighted() {
        String filler = "lorem ipsum dolor sit amet ";
        String before = "early shoes " + filler.repeat(Highlighting.MAX_ANALYZED_CHARS / filler.length() + 10);
        shop.upsert(List.of(doc("huge", "x", before + "late marathon", "shoes", List.of(), 1.0)));
        shop.commit();
        assertThat(shop.highlight("huge", "shoes", List.of("text")).get("text")).singleElement()
                .satisfies(fragment -> assertThat(fragment.runs()).startsWith(new Run("early ", false),
                        new Run("shoes", true)));
        assertThat(shop.highlight("huge", "marathon", List.of("text")))
                .as("a match past the first %d characters is not looked at", Highlighting.MAX_ANALYZED_CHARS).isEmpty();
        String pair = "a".repeat(Highlighting.MAX_ANALYZED_CHARS - 1) + "\uD83D\uDE00tail";
        assertThat(Highlighting.head(pair)).hasSize(Highlighting.MAX_ANALYZED_CHARS - 1);
        assertThat(Highlighting.head("short")).isEqualTo("short");
    }

    @Test
    void highlightOfAMissingDocumentOrATermlessQueryIsEmpty() {
        assertThat(shop.highlight("nope", "shoes", List.of("text"))).isEmpty();
        assertThat(shop.highlight("one", "the and of", List.of("text"))).isEmpty();
        assertThat(shop.highlight("one", "pizza", List.of("title", "text"))).isEmpty();
        assertThat(shop.highlight("one", "shoes", List.of())).isEmpty();
        assertThatThrownBy(() -> shop.highlight(null, "shoes", List.of("text")))
                .isInstanceOfSatisfying(MmsearchException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }

    private Set<String> matching(Filter filter) {
        return Set.copyOf(ids(shop.search(VectorQuery.of(vectorFor("q"), 100, 100, filter))));
    }

    private static Filter.Range range(Double gte, Double gt, Double lte, Double lt) {
        return new Filter.Range("price", gte, gt, lte, lt);
    }

    private static List<String> ids(List<ScoredId> hits) {
        return hits.stream().map(ScoredId::id).toList();
    }

    private static EmbeddedDocument doc(String id, String title, String text, String category, List<String> tags,
                                        Object price) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("title", title);
        fields.put("text", text);
        fields.put("category", category);
        fields.put("tags", tags);
        fields.put("price", price);
        return new EmbeddedDocument(new Document(id, fields), vectorFor(id));
    }

    private static void assertInvalid(ThrowingCallable call, String... messageParts) {
        assertThatThrownBy(call).isInstanceOfSatisfying(MmsearchException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(e.getMessage()).contains(messageParts);
        });
    }
}
