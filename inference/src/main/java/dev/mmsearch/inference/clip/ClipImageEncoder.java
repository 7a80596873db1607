package dev.mmsearch.inference.clip;

import dev.mmsearch.core.ImageEncoder;
import dev.mmsearch.core.ModelStamp;
import java.util.List;

/**
 * The vision tower of a {@link ClipModel} as an {@link ImageEncoder}: encoded files in (decoded,
 * EXIF-oriented and preprocessed exactly like Hugging Face's CLIPImageProcessor by
 * {@link dev.mmsearch.image.ClipImagePreprocessor}), L2-normalised vectors out, in the same space as
 * the model's {@link ClipTextEncoder} and with the same {@link ModelStamp}. Closing it closes the model.
 */
public final class ClipImageEncoder implements ImageEncoder {

    private final ClipModel model;

    ClipImageEncoder(ClipModel model) {
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

    /**
     * {@inheritDoc}
     *
     * @throws dev.mmsearch.core.MmsearchException also INVALID_INPUT for a null list or a null image
     */
    @Override
    public float[][] encodeImages(List<byte[]> encodedImages) {
        return model.encodeImages(encodedImages);
    }

    @Override
    public void close() {
        model.close();
    }

    @Override
    public String toString() {
        return "ClipImageEncoder[" + stamp().describe() + "]";
    }
}
