package dev.mmsearch.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;

/** The JSON form of filters and the records' own checks. */
class FilterTest {

    private static Filter parse(String json) {
        return Filter.parse(Json.MAPPER.readTree(json));
    }

    @Test
    void parsesEveryOperator() {
        assertThat(parse("{\"term\": {\"category\": \"shoes\"}}"))
                .isEqualTo(new Filter.Term("category", "shoes"));
        assertThat(parse("{\"terms\": {\"category\": [\"a\", \"b\"]}}"))
                .isEqualTo(new Filter.Terms("category", List.of("a", "b")));
        assertThat(parse("{\"range\": {\"price\": {\"gte\": 1, \"lt\": 5.5}}}"))
                .isEqualTo(new Filter.Range("price", 1.0, null, null, 5.5));
        assertThat(parse("{\"range\": {\"price\": {\"gt\": -2, \"lte\": 1e3}}}"))
                .isEqualTo(new Filter.Range("price", null, -2.0, 1000.0, null));
        assertThat(parse("{\"and\": [{\"term\": {\"a\": \"x\"}}, {\"or\": [{\"term\": {\"b\": \"y\"}},"
                + " {\"not\": {\"range\": {\"n\": {\"lt\": 0}}}}]}]}"))
                .isEqualTo(new Filter.And(List.of(new Filter.Term("a", "x"), new Filter.Or(List.of(
                        new Filter.Term("b", "y"), new Filter.Not(new Filter.Range("n", null, null, null, 0.0)))))));
    }

    @Test
    void integersAndBooleansAreKeywordsAsTheirText() {
        assertThat(parse("{\"term\": {\"year\": 2020}}")).isEqualTo(new Filter.Term("year", "2020"));
        assertThat(parse("{\"terms\": {\"flag\": [true, \"maybe\", 7]}}"))
                .isEqualTo(new Filter.Terms("flag", List.of("true", "maybe", "7")));
    }

    @Test
    void nullMissingAndJsonNullMeanNoFilter() {
        assertThat(Filter.parse(null)).isNull();
        assertThat(Filter.parse(MissingNode.getInstance())).isNull();
        assertThat(parse("null")).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // JSON | the error names this position | and says this
            "{\"rnage\": {\"p\": {\"gte\": 1}}} | filter: | unknown operator 'rnage'; use one of term, terms, range, and, or, not",
            "[] | filter: | expected an object",
            "\"category\" | filter: | expected an object",
            "{} | filter: | expected exactly one operator",
            "{\"term\": {\"a\": \"x\"}, \"terms\": {\"b\": [\"y\"]}} | filter: | expected exactly one operator",
            "{\"term\": {}} | filter.term: | expected exactly one field but got none",
            "{\"term\": {\"a\": \"x\", \"b\": \"y\"}} | filter.term: | combine several with \"and\"",
            "{\"term\": \"a\"} | filter.term: | expected an object with one field but got string",
            "{\"term\": {\"a\": 1.5}} | filter.term.a: | filter numeric fields with range",
            "{\"term\": {\"a\": null}} | filter.term.a: | expected a string value but got null",
            "{\"term\": {\"a\": [\"x\"]}} | filter.term.a: | expected a string value but got array",
            "{\"term\": {\"\": \"x\"}} | filter.term: | names no field",
            "{\"terms\": {\"a\": \"x\"}} | filter.terms.a: | expected a list of values but got string",
            "{\"terms\": {\"a\": []}} | filter.terms.a: | empty",
            "{\"terms\": {\"a\": [\"x\", {}]}} | filter.terms.a[1]: | expected a string value but got object",
            "{\"range\": {\"p\": {}}} | filter.range.p: | no bounds",
            "{\"range\": {\"p\": 3}} | filter.range.p: | expected bounds like",
            "{\"range\": {\"p\": {\"gte\": \"1\"}}} | filter.range.p.gte: | expected a number but got string",
            "{\"range\": {\"p\": {\"from\": 1}}} | filter.range.p: | unknown bound 'from'; use gte, gt, lte, lt",
            "{\"range\": {\"p\": {\"gte\": 1, \"gt\": 2}}} | filter.range.p: | both gte and gt",
            "{\"range\": {\"p\": {\"lte\": 1, \"lt\": 2}}} | filter.range.p: | both lte and lt",
            "{\"range\": {\"p\": {\"gte\": 5, \"lte\": 1}}} | filter.range.p: | is empty",
            "{\"range\": {\"p\": {\"gt\": 5, \"lte\": 5}}} | filter.range.p: | is empty",
            "{\"range\": {\"p\": {\"gte\": 1e400}}} | filter.range.p.gte: | out of range",
            "{\"and\": []} | filter.and: | the list of filters is empty",
            "{\"or\": {\"term\": {\"a\": \"x\"}}} | filter.or: | expected a list of filters but got object",
            "{\"and\": [{\"term\": {\"a\": \"x\"}}, {\"nope\": 1}]} | filter.and[1]: | unknown operator 'nope'",
            "{\"not\": [{\"term\": {\"a\": \"x\"}}]} | filter.not: | expected an object",
            "{\"or\": [{\"not\": {\"terms\": {\"a\": [1, 2.5]}}}]} | filter.or[0].not.terms.a[1]: | expected a string value",
    })
    void badShapesSayWhereAndWhat(String json, String position, String problem) {
        assertThatThrownBy(() -> parse(json)).isInstanceOfSatisfying(MmsearchException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(e.getMessage()).startsWith(position).contains(problem);
        });
    }

    @Test
    void nestingIsLimitedTo16Levels() {
        String leaf = "{\"term\": {\"a\": \"x\"}}";
        assertThat(parse(nested(leaf, Filter.MAX_DEPTH - 1))).isInstanceOf(Filter.Not.class);
        assertThatThrownBy(() -> parse(nested(leaf, Filter.MAX_DEPTH)))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("deeper than 16 levels");
                });
        // Depth counts and/or as well as not.
        String andChain = leaf;
        for (int i = 0; i < Filter.MAX_DEPTH; i++) {
            andChain = "{\"and\": [" + andChain + "]}";
        }
        String tooDeep = andChain;
        assertThatThrownBy(() -> parse(tooDeep)).hasMessageContaining("deeper than 16 levels");
    }

    @Test
    void recordsCheckTheirArgumentsToo() {
        assertInvalid(() -> new Filter.Range("p", null, null, null, null), "no bounds");
        assertInvalid(() -> new Filter.Range("p", 1.0, null, null, 1.0), "is empty");
        assertInvalid(() -> new Filter.Range("p", Double.NaN, null, null, null), "NaN");
        assertInvalid(() -> new Filter.Terms("a", List.of()), "no values");
        assertInvalid(() -> new Filter.Terms("a", java.util.Arrays.asList("x", null)), "null value");
        assertInvalid(() -> new Filter.And(List.of()), "no filters");
        assertInvalid(() -> new Filter.Or(java.util.Arrays.asList(new Filter.Term("a", "x"), null)), "null filter");
        assertInvalid(() -> new Filter.Not(null), "no filter to negate");
        assertInvalid(() -> new Filter.Term(" ", "x"), "names no field");
        assertInvalid(() -> new Filter.Term("a", null), "has no value");
        // A one-point closed range is fine.
        assertThat(new Filter.Range("p", 1.0, null, 1.0, null).lte()).isEqualTo(1.0);
    }

    @Test
    void schemaKeepsTheThreeArgumentFormAndRejectsAFieldThatIsBothKeywordAndNumeric() {
        CollectionSchema old = new CollectionSchema("{title}", List.of("title"), List.of("category"));
        assertThat(old.numericFields()).isEmpty();
        assertThat(old).isEqualTo(new CollectionSchema("{title}", List.of("title"), List.of("category"), List.of()));
        assertThat(new CollectionSchema("{title}", List.of("title"), List.of(), null).numericFields()).isEmpty();
        assertInvalid(() -> new CollectionSchema("{title}", List.of(), List.of("year"), List.of("year")),
                "both a keyword and a numeric field");
        JsonNode json = Json.MAPPER.valueToTree(new CollectionSchema("{t}", List.of("t"), List.of(), List.of("price")));
        assertThat(json.get("numericFields").get(0).asString()).isEqualTo("price");
        assertThat(Json.MAPPER.treeToValue(json, CollectionSchema.class).numericFields()).containsExactly("price");
        assertThat(Json.MAPPER.readValue("{\"embedTemplate\": \"{t}\", \"textFields\": [\"t\"], \"keywordFields\": []}",
                CollectionSchema.class).numericFields()).as("JSON from before numeric fields").isEmpty();
    }

    private static String nested(String leaf, int nots) {
        String json = leaf;
        for (int i = 0; i < nots; i++) {
            json = "{\"not\": " + json + "}";
        }
        return json;
    }

    private static void assertInvalid(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String part) {
        assertThatThrownBy(call).isInstanceOfSatisfying(MmsearchException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(e.getMessage()).contains(part);
        });
    }
}
