package dev.mmsearch.store.opensearch;

import dev.mmsearch.core.HighlightFragment;
import java.util.ArrayList;
import java.util.List;

/**
 * Highlights from OpenSearch's highlighter as {@link HighlightFragment}s. The request asks for the raw text (the
 * {@code default} encoder: nothing is HTML-escaped) with each match between {@link #PRE_TAG} and {@link #POST_TAG},
 * two Unicode private-use characters, so that no text a document can reasonably hold (markup, entities, brackets)
 * looks like a tag; {@link #fragment} splits a returned fragment on them into runs.
 *
 * <p>A text that itself contains U+E000 or U+E001 cannot be told apart from the tags (the highlighter copies the
 * text as it is). Every such character is taken for a tag: it is stripped (it never reaches the client), a U+E000 of
 * the text marks what follows it as a match up to the next U+E001, and a U+E001 of the text ends a real match early.
 * So only the match flags near those characters can be wrong; the rest of the text is kept exactly, and since a
 * client inserts runs as text, nothing can become markup. Private-use characters have no meaning outside an
 * agreement between two parties, so real documents hardly ever hold these two.
 */
final class TaggedHighlights {
    /** Marks the start of a match: U+E000, the first private-use character. */
    static final String PRE_TAG = "\uE000";
    /** Marks the end of a match: U+E001. */
    static final String POST_TAG = "\uE001";

    private TaggedHighlights() {
    }

    /**
     * The runs of one tagged fragment, leading and trailing whitespace left out (as the embedded store does); both tag
     * characters are removed wherever they are, unbalanced ones included. Null when no text is left.
     */
    static HighlightFragment fragment(String tagged) {
        StringBuilder text = new StringBuilder(tagged.length());
        // Where each run starts in text, and whether it is a match; a run ends where the next starts.
        List<Integer> starts = new ArrayList<>();
        List<Boolean> matches = new ArrayList<>();
        boolean match = false;
        for (int i = 0; i < tagged.length(); i++) {
            char c = tagged.charAt(i);
            if (c == PRE_TAG.charAt(0) || c == POST_TAG.charAt(0)) {
                match = c == PRE_TAG.charAt(0);
                continue;
            }
            if (starts.isEmpty() || matches.getLast() != match) {
                starts.add(text.length());
                matches.add(match);
            }
            text.append(c);
        }
        int from = 0;
        int to = text.length();
        while (from < to && Character.isWhitespace(text.codePointAt(from))) {
            from += Character.charCount(text.codePointAt(from));
        }
        while (to > from && Character.isWhitespace(text.codePointBefore(to))) {
            to -= Character.charCount(text.codePointBefore(to));
        }
        HighlightFragment.Builder fragment = new HighlightFragment.Builder();
        for (int r = 0; r < starts.size(); r++) {
            int start = Math.max(from, starts.get(r));
            int end = Math.min(to, r + 1 < starts.size() ? starts.get(r + 1) : text.length());
            if (start < end) {
                fragment.add(text.subSequence(start, end), matches.get(r));
            }
        }
        return fragment.build();
    }
}
