package dev.mmsearch.inference.clip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.inference.bundle.Checksums;
import dev.mmsearch.inference.bundle.ClipBundle;
import dev.mmsearch.inference.onnx.TextTokenizer;
import dev.mmsearch.inference.onnx.TextTokenizer.TokenizedText;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The real CLIP tokenizer ({@code openai/clip-vit-base-patch32}'s {@code tokenizer.json}) run through
 * {@link TextTokenizer} gives CLIP's ids, truncates to 77 keeping the end token, and agrees with the
 * plain-Python BPE the tiny CLIP was trained with (ids stored in {@code reference.json}).
 */
class ClipTokenizerParityTest {

    private static TextTokenizer tokenizer;

    @BeforeAll
    static void open() {
        tokenizer = TextTokenizer.open(ClipFixtures.realClipTokenizer().resolve("tokenizer.json"),
                ClipBundle.DEFAULT_MAX_LENGTH, false);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void knownEncodingOfAPhotoOfACat() {
        assertThat(tokenizer.tokenize("a photo of a cat").ids()).containsExactly(49406, 320, 1125, 539, 320, 2368, 49407);
    }

    @Test
    void normalisesCaseAndWhitespaceLikeClip() {
        assertThat(tokenizer.tokenize("  A   Photo of a CAT ").ids())
                .containsExactly(49406, 320, 1125, 539, 320, 2368, 49407);
        assertThat(tokenizer.tokenize("").ids()).containsExactly(49406, 49407);
    }

    @Test
    void truncatesTo77KeepingStartAndEndTokens() {
        String text = String.join(" ", Collections.nCopies(200, "word"));
        TokenizedText tokens = tokenizer.tokenize(text);
        assertThat(tokens.ids()).hasSize(77);
        assertThat(tokens.ids()[0]).isEqualTo(49406);
        assertThat(tokens.ids()[76]).isEqualTo(49407);
        assertThat(tokens.truncated()).isTrue();
        long word = tokenizer.tokenize("word").ids()[1];
        for (int i = 1; i < 76; i++) {
            assertThat(tokens.ids()[i]).isEqualTo(word);
        }
    }

    @Test
    void matchesThePythonBpeUsedForTrainingOnEveryReferenceCaption() {
        JsonNode texts = ClipFixtures.reference().get("texts");
        assertThat(texts.size()).isGreaterThanOrEqualTo(5);
        List<String> captions = new ArrayList<>();
        texts.forEach(t -> captions.add(t.get("text").asString()));
        List<TokenizedText> batch = tokenizer.tokenize(captions);
        for (int i = 0; i < texts.size(); i++) {
            assertThat(batch.get(i).ids()).as(captions.get(i))
                    .containsExactly(ClipFixtures.longs(texts.get(i).get("input_ids")));
        }
        // "cyan" is two BPE pieces: the merges, not just the vocabulary, agree.
        assertThat(tokenizer.tokenize("cyan").ids()).hasSize(4);
    }

    @Test
    void fixtureShipsTheSameTokenizerAsTheRealModel() {
        assertThat(Checksums.sha256(List.of(ClipFixtures.tinyClip().resolve("tokenizer.json"))))
                .isEqualTo(Checksums.sha256(List.of(ClipFixtures.realClipTokenizer().resolve("tokenizer.json"))));
    }
}
