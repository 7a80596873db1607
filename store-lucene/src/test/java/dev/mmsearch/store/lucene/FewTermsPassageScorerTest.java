package dev.mmsearch.store.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.apache.lucene.search.uhighlight.Passage;
import org.apache.lucene.search.uhighlight.PassageScorer;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.Test;

class FewTermsPassageScorerTest {
    private static final String[] VOCABULARY = {"cell", "cells", "protein", "p53", "tumour", "x", "αβ", ""};

    private static Passage passage(Random random, int matches) {
        Passage passage = new Passage();
        int start = random.nextInt(5_000);
        passage.setStartOffset(start);
        // Lucene asserts that each match lies within the passage: open it wide, then close it after the last match.
        passage.setEndOffset(Integer.MAX_VALUE);
        int position = start;
        for (int i = 0; i < matches; i++) {
            position += 1 + random.nextInt(20);
            String term = VOCABULARY[random.nextInt(VOCABULARY.length)];
            // A term's frequency in the document is a property of the term: the same for each of its matches.
            passage.addMatch(position, position + term.length() + 1, new BytesRef(term),
                    1 + Math.floorMod(term.hashCode(), 9));
        }
        passage.setEndOffset(position + 1 + random.nextInt(200));
        passage.setScore(0);
        return passage;
    }

    @Test
    void scoresEveryPassageExactlyAsLucenesScorerDoes() {
        PassageScorer lucene = new PassageScorer();
        PassageScorer ours = new Highlighting.FewTermsPassageScorer();
        Random random = new Random(42);
        for (int round = 0; round < 5_000; round++) {
            // Includes passages without matches, with repeated terms, and past the scan limit (Lucene's own path).
            int matches = round % 50 == 0 ? Highlighting.FewTermsPassageScorer.MAX_SCANNED_MATCHES + 1 + random.nextInt(30)
                    : random.nextInt(12);
            Passage passage = passage(random, matches);
            int contentLength = passage.getEndOffset() + random.nextInt(10_000);
            float expected = lucene.score(passage, contentLength);
            assertThat(Float.floatToIntBits(ours.score(passage, contentLength)))
                    .as("round %d, %d matches", round, matches).isEqualTo(Float.floatToIntBits(expected));
        }
    }

    @Test
    void repeatedTermsScoreHigherThanOneMatchAndDistinctTermsHigherStill() {
        PassageScorer ours = new Highlighting.FewTermsPassageScorer();
        Passage once = new Passage();
        once.setEndOffset(100);
        once.addMatch(10, 14, new BytesRef("cell"), 3);
        once.setEndOffset(100);
        Passage twice = new Passage();
        twice.setEndOffset(100);
        twice.addMatch(10, 14, new BytesRef("cell"), 3);
        twice.addMatch(20, 24, new BytesRef("cell"), 3);
        twice.setEndOffset(100);
        Passage twoTerms = new Passage();
        twoTerms.setEndOffset(100);
        twoTerms.addMatch(10, 14, new BytesRef("cell"), 3);
        twoTerms.addMatch(20, 27, new BytesRef("protein"), 3);
        twoTerms.setEndOffset(100);
        float one = ours.score(once, 1_000);
        assertThat(one).isPositive();
        assertThat(ours.score(twice, 1_000)).isGreaterThan(one);
        assertThat(ours.score(twoTerms, 1_000)).isGreaterThan(ours.score(twice, 1_000));
        assertThat(ours.score(new Passage(), 1_000)).isZero();
    }
}
