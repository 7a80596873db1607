package dev.mmsearch.store.lucene;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.HighlightFragment;
import dev.mmsearch.core.MmsearchException;
import java.io.IOException;
import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.uhighlight.FieldHighlighter;
import org.apache.lucene.search.uhighlight.LengthGoalBreakIterator;
import org.apache.lucene.search.uhighlight.Passage;
import org.apache.lucene.search.uhighlight.PassageFormatter;
import org.apache.lucene.search.uhighlight.PassageScorer;
import org.apache.lucene.search.uhighlight.UnifiedHighlighter;
import org.apache.lucene.util.BytesRef;

/**
 * How a collection highlights query terms in stored text: Lucene's {@link UnifiedHighlighter} without an
 * index searcher (the text comes from the stored {@code _source}, not from term vectors or offsets in the
 * index), re-analysing the text with the collection's analyzer. Fragments are about
 * {@value #FRAGMENT_CHARS} characters cut at word boundaries around the matches, best first; each fragment is
 * a {@link HighlightFragment}: runs of the raw text, the matches flagged (nothing is escaped: the client inserts
 * the runs as text).
 */
final class Highlighting {
    /** Most fragments returned per field. */
    static final int MAX_FRAGMENTS = 3;
    /** Length the fragments aim at, in characters. */
    static final int FRAGMENT_CHARS = 160;
    /** Text beyond this many characters of a field is not highlighted (bounds the work per call). */
    static final int MAX_ANALYZED_CHARS = 100_000;

    private Highlighting() {
    }

    /** A thread-safe highlighter over {@code analyzer}. */
    static PageHighlighter highlighter(Analyzer analyzer) {
        return new PageHighlighter(UnifiedHighlighter.builderWithoutSearcher(analyzer)
                // Word boundaries, closest to the goal length, matches in the middle of their fragment.
                .withBreakIterator(() -> LengthGoalBreakIterator.createClosestToLength(
                        BreakIterator.getWordInstance(Locale.ROOT), FRAGMENT_CHARS, 0.5f))
                .withMaxLength(MAX_ANALYZED_CHARS)
                // Tokenise the text and mark the query's terms, instead of building an in-memory index of each text
                // (Lucene's default, for passage scores weighted by term frequencies). The queries highlighted here
                // are plain term queries, so the marks are the same; the in-memory index was three quarters of all
                // the bytes a search allocated. Passages are still scored by their matches (BM25-like) and length.
                .withPassageRelevancyOverSpeed(false)
                .withWeightMatches(false)
                // A field without a match gives nothing (rather than its first sentences).
                .withMaxNoHighlightPassages(0)
                .withPassageSortComparator(Comparator.comparingDouble(Passage::getScore).reversed()
                        .thenComparingInt(Passage::getStartOffset))
                .withScorer(new FewTermsPassageScorer())
                .withFormatter(new FragmentFormatter()));
    }

    /**
     * Lucene's {@link UnifiedHighlighter} without a searcher, opened up to highlight one field for one query over many
     * texts. {@code highlightWithoutSearcher} prepares the query (its terms and the automaton that matches tokens) for
     * every text; a page of 10 hits with 2 fields did that 20 times, about a fifth of the highlighting CPU (JFR).
     * {@link #forField} prepares once; {@link FieldPass#fragments} then runs
     * {@link FieldHighlighter#highlightFieldForDoc} as {@code highlightWithoutSearcher} does, so the fragments are
     * the same.
     */
    static final class PageHighlighter extends UnifiedHighlighter {
        private PageHighlighter(Builder builder) {
            super(builder);
        }

        /** A pass over texts of {@code field} for {@code query}; not thread-safe, use it on one thread. */
        FieldPass forField(String field, Query query) {
            return new FieldPass(field, getFieldHighlighter(field, query, extractTerms(query), MAX_FRAGMENTS));
        }
    }

    /** {@link PageHighlighter#forField}: the prepared highlighter of one field and query. */
    static final class FieldPass {
        private final String field;
        private final FieldHighlighter highlighter;

        private FieldPass(String field, FieldHighlighter highlighter) {
            this.field = field;
            this.highlighter = highlighter;
        }

        /**
         * The fragments of {@code text} that match the query, best first; empty when none. Only the first
         * {@value #MAX_ANALYZED_CHARS} characters are looked at (the highlighter's own max length applies only where
         * it reads stored fields itself, not to text handed to it).
         */
        List<HighlightFragment> fragments(String text) {
            Object formatted;
            try {
                formatted = highlighter.highlightFieldForDoc(null, -1, head(text));
            } catch (IOException e) {
                // Analysis of an in-memory string does not do I/O; this is a bug, not a user error.
                throw new MmsearchException(ErrorCode.INTERNAL, "highlighting field '" + field + "' failed: " + e, e);
            }
            if (formatted == null) {
                return List.of();
            }
            @SuppressWarnings("unchecked")
            List<HighlightFragment> fragments = (List<HighlightFragment>) formatted;
            return fragments;
        }
    }

    /** The first {@value #MAX_ANALYZED_CHARS} characters of {@code text}, not splitting a surrogate pair. */
    static String head(String text) {
        if (text.length() <= MAX_ANALYZED_CHARS) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(MAX_ANALYZED_CHARS - 1)) ? MAX_ANALYZED_CHARS - 1
                : MAX_ANALYZED_CHARS;
        return text.substring(0, end);
    }

    /**
     * Lucene's {@link PassageScorer} score, without its per-passage {@code BytesRefHash}. Lucene counts the
     * matches of each distinct term in a fresh hash for every candidate passage, and that hash (its 32 KB byte
     * pool, hashing every term) was a seventh of all highlighting CPU under load (JFR, 2026-11-27). A passage holds
     * a handful of matches, so a linear scan over the distinct terms seen so far finds the same counts. Terms are
     * summed in the order of their first match, as Lucene does, so the scores are the same to the last bit; a
     * passage with more than {@value #MAX_SCANNED_MATCHES} matches (where a scan would be quadratic) is scored by
     * Lucene itself.
     */
    static final class FewTermsPassageScorer extends PassageScorer {
        static final int MAX_SCANNED_MATCHES = 64;

        @Override
        public float score(Passage passage, int contentLength) {
            int matches = passage.getNumMatches();
            if (matches > MAX_SCANNED_MATCHES) {
                return super.score(passage, contentLength);
            }
            BytesRef[] terms = passage.getMatchTerms();
            int[] freqsInDoc = passage.getMatchTermFreqsInDoc();
            // distinct[j]: the index of the first match of the j-th distinct term.
            int[] distinct = new int[matches];
            int[] freqInPassage = new int[matches];
            int distinctCount = 0;
            for (int i = 0; i < matches; i++) {
                int j = 0;
                while (j < distinctCount && !terms[distinct[j]].bytesEquals(terms[i])) {
                    j++;
                }
                if (j == distinctCount) {
                    distinct[distinctCount++] = i;
                }
                freqInPassage[j]++;
            }
            double score = 0;
            for (int j = 0; j < distinctCount; j++) {
                score += tf(freqInPassage[j], passage.getLength()) * weight(contentLength, freqsInDoc[distinct[j]]);
            }
            score *= norm(passage.getStartOffset());
            return (float) score;
        }
    }

    /**
     * Formats each passage on its own (the default formatter joins them into one string) as a
     * {@link HighlightFragment}: the passage's text, leading and trailing whitespace left out, cut into runs at the
     * matches.
     */
    static final class FragmentFormatter extends PassageFormatter {
        @Override
        public Object format(Passage[] passages, String content) {
            List<HighlightFragment> fragments = new ArrayList<>(passages.length);
            for (Passage passage : passages) {
                if (passage.getNumMatches() > 0) {
                    HighlightFragment fragment = fragment(passage, content);
                    if (fragment != null) {
                        fragments.add(fragment);
                    }
                }
            }
            return List.copyOf(fragments);
        }

        /**
         * The runs of one passage of {@code content}: they join up to the passage's text without its leading and
         * trailing whitespace; null when that is empty.
         */
        static HighlightFragment fragment(Passage passage, String content) {
            int from = passage.getStartOffset();
            int to = Math.max(from, passage.getEndOffset());
            // Left out, as String.strip() does, so the fragments are what the earlier formatter returned.
            while (from < to && Character.isWhitespace(content.codePointAt(from))) {
                from += Character.charCount(content.codePointAt(from));
            }
            while (to > from && Character.isWhitespace(content.codePointBefore(to))) {
                to -= Character.charCount(content.codePointBefore(to));
            }
            Runs runs = new Runs(content, from, to);
            int position = passage.getStartOffset();
            int[] starts = passage.getMatchStarts();
            int[] ends = passage.getMatchEnds();
            for (int i = 0; i < passage.getNumMatches(); i++) {
                int start = Math.max(starts[i], position);
                int end = ends[i];
                // Matches come in start order; one overlapping the previous (e.g. two terms at one position)
                // only extends the highlighted span.
                while (i + 1 < passage.getNumMatches() && starts[i + 1] < end) {
                    end = Math.max(end, ends[++i]);
                }
                if (end <= start) {
                    continue;
                }
                runs.add(position, start, false);
                runs.add(start, end, true);
                position = end;
            }
            runs.add(position, Math.max(position, passage.getEndOffset()), false);
            return runs.fragment.build();
        }
    }

    /** A fragment's runs, each slice of the content clipped to the fragment's bounds. */
    private static final class Runs {
        final HighlightFragment.Builder fragment = new HighlightFragment.Builder();
        private final String content;
        private final int from;
        private final int to;

        Runs(String content, int from, int to) {
            this.content = content;
            this.from = from;
            this.to = to;
        }

        void add(int start, int end, boolean match) {
            int clippedStart = Math.max(start, from);
            int clippedEnd = Math.min(end, to);
            if (clippedStart < clippedEnd) {
                fragment.add(content.substring(clippedStart, clippedEnd), match);
            }
        }
    }
}
