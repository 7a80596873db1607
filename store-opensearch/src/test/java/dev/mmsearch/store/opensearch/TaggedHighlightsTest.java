package dev.mmsearch.store.opensearch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.HighlightFragment;
import dev.mmsearch.core.HighlightFragment.Run;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link TaggedHighlights}: OpenSearch's tagged fragments split into runs, without a cluster. */
class TaggedHighlightsTest {
    private static final String PRE = TaggedHighlights.PRE_TAG;
    private static final String POST = TaggedHighlights.POST_TAG;

    private static List<Run> runs(String tagged) {
        return TaggedHighlights.fragment(tagged).runs();
    }

    @Test
    void tagsArePrivateUseCharacters() {
        assertThat(PRE).isEqualTo("\uE000");
        assertThat(POST).isEqualTo("\uE001");
        assertThat(Character.getType(PRE.charAt(0))).isEqualTo(Character.PRIVATE_USE);
        assertThat(Character.getType(POST.charAt(0))).isEqualTo(Character.PRIVATE_USE);
    }

    @Test
    void splitsOnTheTagsKeepingMarkupEntitiesAndQuotesAsRawText() {
        assertThat(runs("Buy <b>" + PRE + "shoes" + POST + "</b> & \"socks\" &amp; 'x'")).containsExactly(
                new Run("Buy <b>", false), new Run("shoes", true), new Run("</b> & \"socks\" &amp; 'x'", false));
        assertThat(runs(PRE + "Marathon" + POST + " runners " + PRE + "running" + POST)).containsExactly(
                new Run("Marathon", true), new Run(" runners ", false), new Run("running", true));
        assertThat(runs("no match at all")).containsExactly(new Run("no match at all", false));
    }

    @Test
    void leadingAndTrailingWhitespaceIsLeftOutAcrossTagsAndAdjacentMatchesJoin() {
        assertThat(runs(" \n" + PRE + "a" + POST + PRE + "b" + POST + " c \t")).containsExactly(new Run("ab", true),
                new Run(" c", false));
        assertThat(runs(PRE + " x " + POST + " ")).containsExactly(new Run("x", true));
        HighlightFragment fragment = TaggedHighlights.fragment("  one " + PRE + "two" + POST + "  ");
        assertThat(fragment.text()).isEqualTo("one two");
        assertThat(TaggedHighlights.fragment(" " + PRE + POST + " ")).isNull();
        assertThat(TaggedHighlights.fragment("")).isNull();
    }

    @Test
    void tagCharactersOfTheTextItselfAreStrippedAndOnlyMoveFlags() {
        // The text held a U+E001 before the real match and a U+E000 after it: both taken for tags and removed.
        assertThat(runs("a" + POST + "b " + PRE + "hit" + POST + " c" + PRE + "d")).containsExactly(
                new Run("ab ", false), new Run("hit", true), new Run(" c", false), new Run("d", true));
        assertThat(TaggedHighlights.fragment(PRE + PRE + "x" + POST + POST + "y").text()).isEqualTo("xy");
    }

    @Test
    void surrogatePairsAndNonAsciiStayWhole() {
        assertThat(runs("\uD83D\uDE00 " + PRE + "αβ" + POST + "\u2003")).containsExactly(
                new Run("\uD83D\uDE00 ", false), new Run("αβ", true));
    }
}
