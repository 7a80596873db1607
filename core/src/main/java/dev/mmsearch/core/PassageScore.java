package dev.mmsearch.core;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a document split into {@link PassageOptions passages} is scored from its passages' similarities to a query:
 * its best passage's ({@link #MAX}, the default, as Elasticsearch's nested kNN and Vespa's {@code closeness} over a
 * multi-vector field do), or the mean of its best {@code top} passages ({@code top2-mean}, ...), which favours a
 * document that answers in more than one place. A document with fewer passages averages the ones it has. In a
 * collection without passages every document is one passage and all choices give its similarity.
 *
 * @param top how many of the best passages are averaged: 1 (max) to {@value #MAX_TOP}
 */
public record PassageScore(int top) {
    public static final int MAX_TOP = 16;
    public static final PassageScore MAX = new PassageScore(1);
    private static final Pattern MEAN = Pattern.compile("top(\\d+)-mean");

    public PassageScore {
        if (top < 1 || top > MAX_TOP) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "a passage score averages 1 to " + MAX_TOP
                    + " passages, got " + top);
        }
    }

    /** Whether only the best passage counts. */
    public boolean isMax() {
        return top == 1;
    }

    /**
     * {@code max} or {@code topN-mean} (N from 2 to {@value #MAX_TOP}, e.g. {@code top2-mean}).
     *
     * @throws MmsearchException INVALID_ARGUMENT naming the forms
     */
    public static PassageScore parse(String text) {
        if (text == null || text.equals("max")) {
            return MAX;
        }
        Matcher mean = MEAN.matcher(text);
        if (mean.matches() && mean.group(1).length() <= 2 && Integer.parseInt(mean.group(1)) >= 2) {
            return new PassageScore(Integer.parseInt(mean.group(1)));
        }
        throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "passage score '" + text + "' is not 'max' or"
                + " 'topN-mean' with N from 2 to " + MAX_TOP + " (e.g. 'top2-mean')");
    }

    /** The form {@link #parse} reads. */
    @Override
    public String toString() {
        return isMax() ? "max" : "top" + top + "-mean";
    }
}
