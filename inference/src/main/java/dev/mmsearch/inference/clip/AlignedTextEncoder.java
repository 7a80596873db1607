package dev.mmsearch.inference.clip;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.TextEncoder;
import dev.mmsearch.inference.onnx.OnnxTextEncoder;
import java.util.List;
import java.util.Objects;

/**
 * A text-only encoder trained into a CLIP model's space (kind
 * {@link dev.mmsearch.inference.bundle.ModelManifest.Kind#ALIGNED_TEXT_ENCODER}, e.g.
 * {@code sentence-transformers/clip-ViT-B-32-multilingual-v1} for {@code openai/clip-vit-base-patch32}): a
 * sentence-encoder export run by an {@link OnnxTextEncoder} (its own tokenizer, pooling and projection,
 * L2-normalised), whose vectors carry the <em>CLIP model's</em> {@link ModelStamp}. So the usual stamp check
 * lets it query that CLIP model's image collections, and nothing else.
 *
 * <p>Created by {@link dev.mmsearch.inference.ModelRegistry#textEncoder(String)} only after it has checked that the
 * registered CLIP model is the one named in {@link ClipAlignment} (same id, same checksum). Thread-safe;
 * closing it closes the underlying encoder.
 */
public final class AlignedTextEncoder implements TextEncoder {

    private final OnnxTextEncoder encoder;
    private final ClipAlignment alignment;
    private final ModelStamp stamp;

    private AlignedTextEncoder(OnnxTextEncoder encoder, ClipAlignment alignment, ModelStamp stamp) {
        this.encoder = encoder;
        this.alignment = alignment;
        this.stamp = stamp;
    }

    /**
     * Wraps {@code encoder} so that it reports {@code clipStamp}.
     *
     * @param clipStamp the stamp of the registered CLIP model named by {@code alignment}
     * @throws MmsearchException MODEL_MISMATCH when {@code clipStamp} is not the model of {@code alignment}
     *                           (another id or another checksum) or has another dimension than {@code encoder}
     */
    public static AlignedTextEncoder of(OnnxTextEncoder encoder, ClipAlignment alignment, ModelStamp clipStamp) {
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(alignment, "alignment");
        Objects.requireNonNull(clipStamp, "clipStamp");
        String id = encoder.manifest().id();
        if (!clipStamp.modelId().equals(alignment.clipModelId())
                || !clipStamp.checksum().equalsIgnoreCase(alignment.clipChecksum())) {
            throw new MmsearchException(ErrorCode.MODEL_MISMATCH, "model '" + id + "' was trained into the space of "
                    + "CLIP model " + alignment.describe() + " but the registered CLIP model is " + clipStamp.describe()
                    + "; its vectors would not be comparable with that model's image vectors. Register the CLIP model "
                    + "it was trained for, or an aligned text model trained for this one");
        }
        if (encoder.stamp().dimension() != clipStamp.dimension()) {
            throw new MmsearchException(ErrorCode.MODEL_MISMATCH, "model '" + id + "' makes "
                    + encoder.stamp().dimension() + "-d vectors but CLIP model " + clipStamp.describe()
                    + " it claims to be aligned to makes " + clipStamp.dimension() + "-d vectors");
        }
        return new AlignedTextEncoder(encoder, alignment, clipStamp);
    }

    /** The CLIP model this encoder's vectors belong to. */
    public ClipAlignment alignment() {
        return alignment;
    }

    /** The sentence encoder that does the work (its own stamp names the aligned model, not CLIP). */
    public OnnxTextEncoder encoder() {
        return encoder;
    }

    /** The CLIP model's stamp (id, checksum, dimension, cosine), not this model's own. */
    @Override
    public ModelStamp stamp() {
        return stamp;
    }

    @Override
    public int maxSequenceLength() {
        return encoder.maxSequenceLength();
    }

    @Override
    public float[][] encodeQueries(List<String> queries) {
        return encoder.encodeQueries(queries);
    }

    @Override
    public float[] encodeQuery(String query) {
        return encoder.encodeQuery(query);
    }

    @Override
    public float[][] encodeDocuments(List<String> documents) {
        return encoder.encodeDocuments(documents);
    }

    @Override
    public int countTokens(String text) {
        return encoder.countTokens(text);
    }

    @Override
    public void close() {
        encoder.close();
    }

    @Override
    public String toString() {
        return "AlignedTextEncoder[" + encoder.manifest().id() + " -> " + stamp.describe() + "]";
    }
}
