package dev.mmsearch.ingest;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.FieldValues;
import dev.mmsearch.core.PassageOptions;
import dev.mmsearch.core.TextEncoder;
import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Splits a document's passage field into windows of whole sentences measured in the collection's model's tokens
 * ({@link PassageOptions}). Token counts come from the encoder itself ({@link TextEncoder#countTokens(List)}, one call
 * per document for its sentences), so a window is what the model will see, whatever its tokenizer. Written here
 * rather than taken from a library: the windows must be counted in the tokens of the very model that embeds them
 * (LangChain-style splitters count characters or a fixed tokenizer), which is the point of the feature.
 *
 * <p>A document whose embed text fits the model unsplit gets one passage with exactly the unsplit embed text, so its
 * vector is the one a collection without passages would hold.
 */
final class PassageSplitter {
    /** One passage to embed: its offsets in the field's joined text and the text the model embeds for it. */
    record Piece(int start, int end, String embedText) {
    }

    /** A document's passages, and whether some of its text is still not embedded. */
    record Split(List<Piece> pieces, boolean truncated) {
    }

    private record Unit(int start, int end, int tokens) {
    }

    private final TextEncoder encoder;
    private final CollectionSchema schema;
    private final PassageOptions options;
    private final int maxTokens;
    private final int baseTokens;

    PassageSplitter(TextEncoder encoder, CollectionSchema schema) {
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.schema = schema;
        this.options = Objects.requireNonNull(schema.passages(), "the schema has no passages");
        this.maxTokens = encoder.maxSequenceLength();
        this.baseTokens = encoder.countTokens(""); // prefix and special tokens
    }

    Split split(Document document) {
        String field = options.field();
        String text = FieldValues.joinedText(document.fields().get(field));
        String whole = schema.embedText(document);
        // One encoder call for both (a remote encoder answers it in one round trip).
        int[] counts = encoder.countTokens(List.of(whole, schema.embedText(with(document, ""))));
        int wholeTokens = counts[0];
        int overhead = counts[1];
        // One token under the limit: a passage that fills its window then counts maxTokens - 1, so a count at the
        // limit (the encoder's cap) can only mean text was cut.
        int window = options.windowFor(maxTokens - overhead - 1);
        if (text.isBlank() || (wholeTokens < maxTokens && wholeTokens - overhead <= window)) {
            return new Split(List.of(new Piece(0, text.length(), whole)), wholeTokens >= maxTokens);
        }
        List<Unit> units = units(text, window);
        int overlap = options.overlapFor(window);
        List<Piece> pieces = new ArrayList<>();
        int first = 0;
        boolean truncated = false;
        while (first < units.size()) {
            if (pieces.size() == options.maxPassages()) {
                truncated = true;
                break;
            }
            int last = first;
            int tokens = units.get(first).tokens();
            while (last + 1 < units.size() && tokens + units.get(last + 1).tokens() <= window) {
                tokens += units.get(++last).tokens();
            }
            int start = units.get(first).start();
            int end = units.get(last).end();
            pieces.add(new Piece(start, end, schema.embedText(with(document, text.substring(start, end)))));
            if (last + 1 >= units.size()) {
                break;
            }
            // The next passage repeats the last sentences worth at most `overlap` tokens, and always moves on.
            int next = last + 1;
            int repeated = 0;
            while (next - 1 > first && repeated + units.get(next - 1).tokens() <= overlap) {
                repeated += units.get(--next).tokens();
            }
            first = next;
        }
        for (int count : encoder.countTokens(pieces.stream().map(Piece::embedText).toList())) {
            truncated |= count >= maxTokens;
        }
        return new Split(List.copyOf(pieces), truncated);
    }

    /** The field's sentences with their token counts; a sentence over the window is cut at word boundaries. */
    private List<Unit> units(String text, int window) {
        List<int[]> sentences = spans(text, BreakIterator.getSentenceInstance(Locale.ROOT), 0, text.length());
        int[] counts = count(text, sentences);
        List<Unit> units = new ArrayList<>(sentences.size());
        for (int i = 0; i < sentences.size(); i++) {
            int[] s = sentences.get(i);
            if (counts[i] <= window) {
                units.add(new Unit(s[0], s[1], counts[i]));
            } else {
                units.addAll(pack(text, spans(text, BreakIterator.getWordInstance(Locale.ROOT), s[0], s[1]), window));
            }
        }
        return units;
    }

    /** Words packed into runs of at most {@code window} tokens; a word longer than that is cut into characters. */
    private List<Unit> pack(String text, List<int[]> words, int window) {
        int[] counts = count(text, words);
        List<Unit> runs = new ArrayList<>();
        int start = -1;
        int end = -1;
        int tokens = 0;
        for (int i = 0; i < words.size(); i++) {
            int[] w = words.get(i);
            if (counts[i] > window) {
                if (start >= 0) {
                    runs.add(new Unit(start, end, tokens));
                    start = -1;
                    tokens = 0;
                }
                // One "word" over a whole window (a long run without spaces): cut it in pieces of `window` chars,
                // which no tokenizer makes into fewer than one token each; the model truncates what is left over.
                for (int from = w[0]; from < w[1]; from += window) {
                    runs.add(new Unit(from, Math.min(w[1], from + window), window));
                }
                continue;
            }
            if (start >= 0 && tokens + counts[i] > window) {
                runs.add(new Unit(start, end, tokens));
                start = -1;
                tokens = 0;
            }
            if (start < 0) {
                start = w[0];
            }
            end = w[1];
            tokens += counts[i];
        }
        if (start >= 0) {
            runs.add(new Unit(start, end, tokens));
        }
        return runs;
    }

    /** Tokens of each span alone, without the prefix and special tokens, in one encoder call. */
    private int[] count(String text, List<int[]> spans) {
        int[] counts = encoder.countTokens(spans.stream().map(s -> text.substring(s[0], s[1])).toList());
        for (int i = 0; i < counts.length; i++) {
            int[] s = spans.get(i);
            // A count at the model's limit was truncated: estimate a lower bound from the characters instead.
            counts[i] = counts[i] >= maxTokens ? Math.max(maxTokens, (s[1] - s[0]) / 4) : counts[i] - baseTokens;
            counts[i] = Math.max(0, counts[i]);
        }
        return counts;
    }

    /** The non-blank spans {@code iterator} finds in {@code [from, to)}, whitespace at their ends trimmed. */
    private static List<int[]> spans(String text, BreakIterator iterator, int from, int to) {
        iterator.setText(text.substring(from, to));
        List<int[]> spans = new ArrayList<>();
        for (int start = iterator.first(), end = iterator.next(); end != BreakIterator.DONE;
             start = end, end = iterator.next()) {
            int s = from + start;
            int e = from + end;
            while (s < e && Character.isWhitespace(text.charAt(s))) {
                s++;
            }
            while (e > s && Character.isWhitespace(text.charAt(e - 1))) {
                e--;
            }
            if (s < e) {
                spans.add(new int[] {s, e});
            }
        }
        return spans;
    }

    private Document with(Document document, String fieldText) {
        Map<String, Object> fields = new LinkedHashMap<>(document.fields());
        fields.put(options.field(), fieldText);
        return new Document(document.id(), fields);
    }
}
