package dev.mmsearch.core;

/**
 * Which passage of a hit matched a vector query best: its number in the document (0-based) and its offsets in the
 * passage field's joined text (see {@link Passage}). Null on hits of collections without passages.
 */
public record PassageMatch(String field, int index, int start, int end) {
    /** The passage's text in {@code document} (its field's joined value), or "" when the offsets lie outside it. */
    public String textIn(Document document) {
        String text = FieldValues.joinedText(document.fields().get(field));
        return end <= text.length() ? text.substring(start, end) : "";
    }
}
