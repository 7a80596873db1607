package dev.mmsearch.inference.onnx;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns text into the token ids a model sees: a Hugging Face {@code tokenizer.json} run by the
 * Rust tokenizers library (through DJL), always truncated to the model's maximum length and never
 * padded (the encoder pads a batch to its longest member). Whatever truncation or padding the
 * {@code tokenizer.json} itself declares is overridden (all-MiniLM-L6-v2's fixes both at 128).
 * Thread-safe; owns a native handle, so close it.
 */
public final class TextTokenizer implements AutoCloseable {

    static {
        // DJL "calls home" (an HTTP probe of the EC2 metadata service) when a tokenizer is created,
        // unless tracking is opted out; mmsearch works offline and must not stall on that probe.
        if (System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    private final HuggingFaceTokenizer tokenizer;
    private final int maxSequenceLength;
    private final boolean lowercase;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, int maxSequenceLength, boolean lowercase) {
        this.tokenizer = tokenizer;
        this.maxSequenceLength = maxSequenceLength;
        this.lowercase = lowercase;
    }

    /**
     * Loads {@code tokenizerJson}.
     *
     * @param maxSequenceLength longest output in tokens, special tokens included
     * @param lowercase         lower-case the text first (for tokenizers whose normaliser does not)
     * @throws MmsearchException MODEL_NOT_FOUND when the file is missing, INVALID_ARGUMENT when unreadable
     */
    public static TextTokenizer open(Path tokenizerJson, int maxSequenceLength, boolean lowercase) {
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new MmsearchException(ErrorCode.MODEL_NOT_FOUND, "missing file " + tokenizerJson.getFileName()
                    + " in model directory " + tokenizerJson.toAbsolutePath().getParent());
        }
        if (maxSequenceLength < 2) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT,
                    "maxSequenceLength must be at least 2, got " + maxSequenceLength);
        }
        String max = Integer.toString(maxSequenceLength);
        Map<String, String> options = Map.of(
                "addSpecialTokens", "true",
                "truncation", "true",
                "padding", "false",
                "maxLength", max,
                "modelMaxLength", max,
                "withOverflowingTokens", "false");
        try {
            return new TextTokenizer(HuggingFaceTokenizer.newInstance(tokenizerJson, options), maxSequenceLength,
                    lowercase);
        } catch (IOException | RuntimeException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT,
                    "cannot load tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
        }
    }

    /** Longest output in tokens, special tokens included. */
    public int maxSequenceLength() {
        return maxSequenceLength;
    }

    /** Whether text is lower-cased before tokenizing. */
    public boolean lowercase() {
        return lowercase;
    }

    /** Tokenizes one text (special tokens added, truncated to {@link #maxSequenceLength()}). */
    public TokenizedText tokenize(String text) {
        return toTokenized(tokenizer.encode(prepare(text, 0)));
    }

    /** Tokenizes several texts, in order. */
    public List<TokenizedText> tokenize(List<String> texts) {
        if (texts == null) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "the list of texts must not be null");
        }
        List<String> prepared = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            prepared.add(prepare(texts.get(i), i));
        }
        if (prepared.isEmpty()) {
            return List.of();
        }
        Encoding[] encodings = tokenizer.batchEncode(prepared);
        List<TokenizedText> result = new ArrayList<>(encodings.length);
        for (Encoding encoding : encodings) {
            result.add(toTokenized(encoding));
        }
        return result;
    }

    private String prepare(String text, int index) {
        if (text == null) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "text #" + index + " is null; pass a string (it may be empty)");
        }
        return boundedHead(lowercase ? text.toLowerCase(Locale.ROOT) : text);
    }

    /**
     * The part of {@code text} that decides its tokens. The tokenizer would otherwise split a whole 10 MB field into
     * words and tokens (about two minutes) only to keep the first few hundred. A text longer than
     * {@value #HEAD_CHARS_PER_TOKEN} characters per allowed token is cut at a whitespace boundary (a word boundary for
     * every pre-tokenizer we load: BERT, CLIP byte-level BPE, SentencePiece), and the cut is kept only when the head
     * alone already overflows the limit, so its truncated tokens equal those of the whole text; otherwise the head
     * grows fourfold and is tried again. Written by hand: the tokenizers library has no "stop after N tokens".
     */
    private String boundedHead(String text) {
        long limit = (long) maxSequenceLength * HEAD_CHARS_PER_TOKEN;
        while (text.length() > limit) {
            int cut = (int) limit;
            while (cut > 0 && !Character.isWhitespace(text.charAt(cut))) {
                cut--;
            }
            if (cut == 0) {
                return text; // one giant "word": tokenize it whole
            }
            String head = text.substring(0, cut);
            if (tokenizer.encode(head).exceedMaxLength()) {
                return head;
            }
            limit *= 4;
        }
        return text;
    }

    /** Characters per token above which a text is cut before tokenizing (see {@link #boundedHead}). */
    static final int HEAD_CHARS_PER_TOKEN = 16;

    private static TokenizedText toTokenized(Encoding encoding) {
        return new TokenizedText(encoding.getIds(), encoding.getTypeIds(), List.of(encoding.getTokens()),
                encoding.exceedMaxLength());
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    /**
     * One tokenized text.
     *
     * @param ids       token ids, special tokens included
     * @param typeIds   segment ids (all 0 for a single text)
     * @param tokens    the tokens as strings (for debugging and tests)
     * @param truncated whether the text was longer than the maximum and was cut
     */
    public record TokenizedText(long[] ids, long[] typeIds, List<String> tokens, boolean truncated) {
        public int length() {
            return ids.length;
        }
    }
}
