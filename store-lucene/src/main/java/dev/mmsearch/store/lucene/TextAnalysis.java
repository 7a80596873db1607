package dev.mmsearch.store.lucene;

import dev.mmsearch.core.TextAnalyzer;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.cjk.CJKAnalyzer;
import org.apache.lucene.analysis.cn.smart.SmartChineseAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.icu.ICUFoldingFilter;
import org.apache.lucene.analysis.icu.segmentation.ICUTokenizer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;

/**
 * The Lucene analyzer of each {@link TextAnalyzer}: one instance per open collection, used for its documents, its
 * queries and its highlighting alike, so a query term and a document term are made the same way.
 */
final class TextAnalysis {

    private TextAnalysis() {
    }

    static Analyzer create(TextAnalyzer analyzer) {
        return switch (analyzer) {
            case ENGLISH -> new EnglishAnalyzer();
            // true: its stop words, which are punctuation marks (the segmenter emits them as tokens otherwise).
            case CHINESE -> new SmartChineseAnalyzer(true);
            case CJK -> new CJKAnalyzer();
            case STANDARD -> new StandardAnalyzer();
            case ICU -> new IcuAnalyzer();
        };
    }

    /**
     * ICU word boundaries (with ICU's dictionaries for scripts written without spaces) and ICU folding (NFKC, case
     * and accent folding). Lucene ships the parts but no analyzer made of them; this is the one Elasticsearch's
     * {@code icu_analyzer} is (with its default {@code nfkc_cf} normalisation close to this folding).
     */
    private static final class IcuAnalyzer extends Analyzer {
        @Override
        protected TokenStreamComponents createComponents(String fieldName) {
            Tokenizer tokenizer = new ICUTokenizer();
            TokenStream folded = new ICUFoldingFilter(tokenizer);
            return new TokenStreamComponents(tokenizer, folded);
        }

        @Override
        protected TokenStream normalize(String fieldName, TokenStream in) {
            return new ICUFoldingFilter(in);
        }
    }
}
