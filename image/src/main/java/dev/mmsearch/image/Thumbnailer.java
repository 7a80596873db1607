package dev.mmsearch.image;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;

/**
 * Makes JPEG thumbnails (aspect ratio kept, never upscaled) with Pillow's antialiased bicubic downscaling.
 * Stateless and thread-safe.
 */
public final class Thumbnailer {
    /** JPEG quality used for thumbnails. */
    public static final float QUALITY = 0.85f;

    private Thumbnailer() {
    }

    /**
     * Encodes {@code image} as a JPEG whose longer edge is at most {@code maxEdge} pixels.
     *
     * @throws MmsearchException INVALID_ARGUMENT when {@code maxEdge < 1}
     */
    public static byte[] jpegThumbnail(DecodedImage image, int maxEdge) {
        if (maxEdge < 1) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "thumbnail maxEdge must be >= 1, got " + maxEdge);
        }
        DecodedImage scaled = scaleToFit(image, maxEdge);
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        if (!writers.hasNext()) {
            throw new MmsearchException(ErrorCode.INTERNAL, "no JPEG writer available in this JVM");
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(QUALITY);
            writer.write(null, new IIOImage(scaled.toBufferedImage(), null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException("JPEG thumbnail encoding failed", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /** The image scaled so that its longer edge is at most {@code maxEdge} (unchanged when already smaller). */
    public static DecodedImage scaleToFit(DecodedImage image, int maxEdge) {
        int w = image.width();
        int h = image.height();
        if (Math.max(w, h) <= maxEdge) {
            return image;
        }
        double scale = (double) maxEdge / Math.max(w, h);
        int nw = Math.max(1, (int) Math.round(w * scale));
        int nh = Math.max(1, (int) Math.round(h * scale));
        byte[] rgb = PilResampler.resize(image.rgbArray(), w, h, nw, nh, Resample.BICUBIC);
        return DecodedImage.owning(nw, nh, rgb, image.sourceFormat());
    }
}
