package dev.mmsearch.core;

import java.util.Objects;

/**
 * One passage of a document in a collection with {@link PassageOptions passages}: where it sits in the passage
 * field's text ({@code [start, end)} in UTF-16 chars of the field's value, list values joined by line breaks, the form
 * {@link FieldValues#joinedText} gives) and its embedding.
 */
public record Passage(int start, int end, float[] vector) {
    public Passage {
        if (start < 0 || end < start) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "passage offsets [" + start + ", " + end
                    + ") are not a range of the text");
        }
        Objects.requireNonNull(vector, "vector");
    }
}
