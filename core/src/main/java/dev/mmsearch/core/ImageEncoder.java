package dev.mmsearch.core;

import java.util.List;

/**
 * Turns images into embeddings (the vision tower of a CLIP-style model). Input is the encoded
 * file (JPEG, PNG, ...) so that decoding, EXIF orientation and the exact preprocessing the model
 * was trained with happen in one place, the same offline and online. Implementations are
 * thread-safe and own native resources.
 *
 * <p>A CLIP model's image encoder and its text encoder report the same {@link ModelStamp}: text
 * queries and image vectors live in one space, so a collection of image vectors is searched with
 * the text tower of the same model.
 */
public interface ImageEncoder extends AutoCloseable {

    /** The stamp a collection built with this encoder records. */
    ModelStamp stamp();

    default int dimension() {
        return stamp().dimension();
    }

    /**
     * Embeds encoded images, one L2-normalised vector per input, in order.
     *
     * @throws MmsearchException UNSUPPORTED_MEDIA_TYPE for an unreadable/corrupt/unknown format,
     *                           PAYLOAD_TOO_LARGE for an image over the byte or pixel limit
     */
    float[][] encodeImages(List<byte[]> encodedImages);

    default float[] encodeImage(byte[] encodedImage) {
        return encodeImages(List.of(encodedImage))[0];
    }

    @Override
    void close();
}
