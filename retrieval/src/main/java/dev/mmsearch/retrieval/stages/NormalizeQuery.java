package dev.mmsearch.retrieval.stages;

import dev.mmsearch.retrieval.ParamChecks;
import dev.mmsearch.retrieval.QueryStage;
import dev.mmsearch.retrieval.RequestContext;
import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * qp {@code normalize}: cleans the query text so that pasted or typed noise does not change
 * results: control and invisible format characters (zero-width spaces, BOMs, bidi marks) become
 * spaces, optionally Unicode NFKC folding (full-width letters, ligatures) and lower-casing, runs
 * of whitespace collapse to one space, the ends are trimmed, and an overlong text is cut.
 */
public final class NormalizeQuery implements QueryStage {
    public static final String TYPE = "normalize";

    private static final Pattern INVISIBLE = Pattern.compile("[\\p{Cc}\\p{Cf}\\p{Co}\\p{Cn}]");
    private static final Pattern SPACES = Pattern.compile("[\\s\\p{Z}]+");

    /**
     * @param nfkc      apply Unicode NFKC compatibility folding (default true)
     * @param lowercase lower-case the text (default false; the encoders and BM25 analyser are case-insensitive anyway)
     * @param maxChars  cut the text after this many characters, 1..100000 (default: no limit)
     */
    public record Params(Boolean nfkc, Boolean lowercase, Integer maxChars) {
        public Params {
            nfkc = nfkc == null || nfkc;
            lowercase = lowercase != null && lowercase;
            if (maxChars != null) {
                ParamChecks.intIn("maxChars", maxChars, 0, 1, 100_000);
            }
        }
    }

    private final Params params;

    public NormalizeQuery(Params params) {
        this.params = params;
    }

    @Override
    public String rewrite(RequestContext context) {
        return normalize(context.query().text());
    }

    /** The normalised form of {@code text} (pure; exposed for tests and offline use). */
    public String normalize(String text) {
        String out = params.nfkc() ? Normalizer.normalize(text, Normalizer.Form.NFKC) : text;
        out = INVISIBLE.matcher(out).replaceAll(" ");
        out = SPACES.matcher(out).replaceAll(" ").strip();
        if (params.lowercase()) {
            out = out.toLowerCase(Locale.ROOT);
        }
        if (params.maxChars() != null && out.length() > params.maxChars()) {
            int end = params.maxChars();
            if (Character.isHighSurrogate(out.charAt(end - 1))) {
                end--; // never split a surrogate pair
            }
            out = out.substring(0, end).strip();
        }
        return out;
    }
}
