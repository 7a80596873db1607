package dev.mmsearch.inference.clip;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.TextEncoder;
import java.util.List;

/**
 * The text tower of a {@link ClipModel} as a {@link TextEncoder}: CLIP has no query or document
 * prefixes, so both sides embed the same way. Text longer than {@link #maxSequenceLength()} tokens
 * (77 for CLIP) is truncated, keeping the end token. Vectors live in the same space as the model's
 * {@link ClipImageEncoder} and carry the same {@link ModelStamp}. Closing it closes the model.
 */
public final class ClipTextEncoder implements TextEncoder {

    private final ClipModel model;

    ClipTextEncoder(ClipModel model) {
        this.model = model;
    }

    /** The model this encoder belongs to. */
    public ClipModel model() {
        return model;
    }

    @Override
    public ModelStamp stamp() {
        return model.stamp();
    }

    @Override
    public int maxSequenceLength() {
        return model.maxSequenceLength();
    }

    @Override
    public float[][] encodeQueries(List<String> queries) {
        return model.encodeTexts(queries);
    }

    @Override
    public float[][] encodeDocuments(List<String> documents) {
        return model.encodeTexts(documents);
    }

    /** Embeds one text; null is refused with INVALID_INPUT. */
    @Override
    public float[] encodeQuery(String query) {
        if (query == null) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "text must not be null; pass a string (it may be empty)");
        }
        return model.encodeTexts(List.of(query))[0];
    }

    @Override
    public int countTokens(String text) {
        return model.tokenize(text).length();
    }

    @Override
    public void close() {
        model.close();
    }

    @Override
    public String toString() {
        return "ClipTextEncoder[" + stamp().describe() + "]";
    }
}
