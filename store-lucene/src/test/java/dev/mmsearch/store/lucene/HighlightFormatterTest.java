package dev.mmsearch.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.HighlightFragment;
import dev.mmsearch.core.HighlightFragment.Run;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.uhighlight.Passage;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.Test;

/** {@link Highlighting.FragmentFormatter}: passages to runs of raw text. */
class HighlightFormatterTest {
    private static final String[] WORDS = {"cell", "<b>", "&amp;", "\"q\"", "x", "αβ", "\uD83D\uDE00", "a'b"};
    private static final String[] SPACES = {" ", "  ", "\n", "\t", " \u2003"};

    /** A passage over [start, end) of the content with the given matches ([start, end) pairs, in start order). */
    private static Passage passage(int start, int end, int... matches) {
        Passage passage = new Passage();
        passage.setStartOffset(start);
        // Lucene asserts that each match lies within the passage: open it wide, then set the real end.
        passage.setEndOffset(Integer.MAX_VALUE);
        for (int i = 0; i < matches.length; i += 2) {
            passage.addMatch(matches[i], matches[i + 1], new BytesRef("t"), 1);
        }
        passage.setEndOffset(end);
        return passage;
    }

    @Test
    void runsHoldTheRawTextWithTheMatchesFlagged() {
        String content = "  Buy <b>shoes</b> & \"socks\"\n";
        int shoes = content.indexOf("shoes");
        int socks = content.indexOf("socks");
        HighlightFragment fragment = Highlighting.FragmentFormatter.fragment(
                passage(0, content.length(), shoes, shoes + 5, socks, socks + 5), content);
        assertThat(fragment.runs()).containsExactly(new Run("Buy <b>", false), new Run("shoes", true),
                new Run("</b> & \"", false), new Run("socks", true), new Run("\"", false));
        assertThat(fragment.text()).isEqualTo(content.strip());
    }

    @Test
    void overlappingMatchesMakeOneMarkedRunAndAMatchAtTheEdgeIsKept() {
        String content = "wi-fi router";
        HighlightFragment fragment = Highlighting.FragmentFormatter.fragment(passage(0, content.length(), 0, 5, 0, 2,
                3, 5, 6, 12), content);
        assertThat(fragment.runs()).containsExactly(new Run("wi-fi", true), new Run(" ", false),
                new Run("router", true));
    }

    @Test
    void aPassageInsideTheContentGivesItsOwnSliceOnly() {
        String content = "first part. second <part> here. third";
        int from = content.indexOf("second") - 1;
        int to = content.indexOf("third");
        int part = content.indexOf("part>");
        HighlightFragment fragment = Highlighting.FragmentFormatter.fragment(passage(from, to, part, part + 4), content);
        assertThat(fragment.runs()).containsExactly(new Run("second <", false), new Run("part", true),
                new Run("> here.", false));
    }

    @Test
    void runsJoinBackToThePassageTextAndFlagExactlyTheMatchedCharacters() {
        Random random = new Random(7);
        for (int round = 0; round < 2_000; round++) {
            StringBuilder text = new StringBuilder();
            List<int[]> words = new ArrayList<>();
            int count = 1 + random.nextInt(15);
            for (int w = 0; w < count; w++) {
                if (random.nextInt(3) > 0 || w == 0) {
                    text.append(SPACES[random.nextInt(SPACES.length)]);
                }
                String word = WORDS[random.nextInt(WORDS.length)];
                words.add(new int[] {text.length(), text.length() + word.length()});
                text.append(word);
            }
            text.append(SPACES[random.nextInt(SPACES.length)]);
            String content = text.toString();
            int first = random.nextInt(words.size());
            int last = first + random.nextInt(words.size() - first);
            int start = random.nextBoolean() ? words.get(first)[0] : Math.max(0, words.get(first)[0] - 1);
            int end = random.nextBoolean() ? words.get(last)[1] : Math.min(content.length(), words.get(last)[1] + 1);
            List<Integer> matches = new ArrayList<>();
            BitSet marked = new BitSet();
            for (int w = first; w <= last; w++) {
                if (random.nextInt(3) == 0) {
                    matches.add(words.get(w)[0]);
                    matches.add(words.get(w)[1]);
                    marked.set(words.get(w)[0], words.get(w)[1]);
                }
            }
            if (matches.isEmpty()) {
                matches.addAll(List.of(words.get(first)[0], words.get(first)[1]));
                marked.set(words.get(first)[0], words.get(first)[1]);
            }
            Passage passage = passage(start, end, matches.stream().mapToInt(Integer::intValue).toArray());
            HighlightFragment fragment = Highlighting.FragmentFormatter.fragment(passage, content);

            String slice = content.substring(start, end).strip();
            assertThat(fragment.text()).as("round %d: %s", round, content).isEqualTo(slice);
            int offset = start + content.substring(start, end).indexOf(slice);
            Boolean previous = null;
            for (Run run : fragment.runs()) {
                assertThat(run.text()).isNotEmpty();
                assertThat(run.match()).as("runs alternate").isNotEqualTo(previous);
                previous = run.match();
                for (int i = 0; i < run.text().length(); i++) {
                    assertThat(marked.get(offset + i)).as("round %d: char %d of %s", round, offset + i, content)
                            .isEqualTo(run.match());
                }
                offset += run.text().length();
            }
        }
    }

    @Test
    void theHighlighterGivesSlicesOfTheTextWithTheStemmedTermsFlagged() {
        String text = "Plants & trees <grow> \"slowly\"; a planted tree grows. ".repeat(12);
        BooleanQuery query = new BooleanQuery.Builder()
                .add(new TermQuery(new Term("text", "plant")), BooleanClause.Occur.SHOULD)
                .add(new TermQuery(new Term("text", "grow")), BooleanClause.Occur.SHOULD).build();
        List<HighlightFragment> fragments = Highlighting.highlighter(new EnglishAnalyzer()).forField("text", query)
                .fragments(text);
        assertThat(fragments).isNotEmpty().hasSizeLessThanOrEqualTo(Highlighting.MAX_FRAGMENTS);
        for (HighlightFragment fragment : fragments) {
            assertThat(text).contains(fragment.text());
            assertThat(fragment.text()).isEqualTo(fragment.text().strip());
            assertThat(fragment.matches()).isNotEmpty().allMatch(m -> List.of("Plants", "grow", "planted", "grows")
                    .contains(m));
            assertThat(fragment.runs()).filteredOn(run -> !run.match())
                    .allSatisfy(run -> assertThat(run.text()).doesNotContain("Plants", "planted", "grows"));
        }
    }
}
