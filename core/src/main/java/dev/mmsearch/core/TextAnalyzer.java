package dev.mmsearch.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a collection's text fields are analysed for BM25 and highlighting, chosen when the collection is created and
 * fixed for its life (as an Elasticsearch mapping's {@code analyzer}): the same analysis runs on documents and on
 * queries. Collections created before analyzers were selectable are {@link #ENGLISH}.
 */
public enum TextAnalyzer {
    /** English: standard tokenizer, possessives, lower case, stop words, Porter stemming (Lucene's EnglishAnalyzer). */
    ENGLISH,
    /**
     * Simplified Chinese with word segmentation (Lucene's SmartChineseAnalyzer: a hidden Markov model over a bundled
     * dictionary; English words in the same text are lower-cased and Porter-stemmed).
     */
    CHINESE,
    /** Chinese, Japanese and Korean as overlapping character bigrams, other scripts as the standard analyzer does. */
    CJK,
    /** Unicode word boundaries (UAX#29) and lower case, no stop words or stemming: a language-neutral choice. */
    STANDARD,
    /**
     * Many languages in one collection: ICU word boundaries (dictionary-based words for Chinese, Japanese, Thai, ...)
     * and ICU case folding and normalisation (NFKC), no stemming.
     */
    ICU;

    /**
     * Parses a name such as {@code chinese} (any case).
     *
     * @throws MmsearchException INVALID_ARGUMENT for anything else, naming the choices
     */
    @JsonCreator
    public static TextAnalyzer parse(String value) {
        if (value != null) {
            for (TextAnalyzer analyzer : values()) {
                if (analyzer.label().equals(value.trim().toLowerCase(Locale.ROOT))) {
                    return analyzer;
                }
            }
        }
        throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "unknown analyzer '" + value + "'; use one of "
                + Arrays.stream(values()).map(TextAnalyzer::label).collect(Collectors.joining(", ")));
    }

    /** The lower-case name used in schemas, options, listings and JSON ({@code english}, {@code chinese}, ...). */
    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
