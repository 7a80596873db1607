package dev.mmsearch.image;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.Objects;

/**
 * A decoded image as 8-bit RGB, row-major, interleaved ({@code r,g,b,r,g,b,...}), with EXIF orientation
 * already applied. Immutable: the pixel array is never handed out without copying.
 */
public final class DecodedImage {
    private final int width;
    private final int height;
    private final byte[] rgb;
    private final String sourceFormat;

    private DecodedImage(int width, int height, byte[] rgb, String sourceFormat) {
        this.width = width;
        this.height = height;
        this.rgb = rgb;
        this.sourceFormat = sourceFormat;
    }

    /**
     * Wraps a copy of interleaved 8-bit RGB pixels.
     *
     * @throws MmsearchException INVALID_ARGUMENT when the array length is not {@code 3 * width * height}
     */
    public static DecodedImage ofRgb(int width, int height, byte[] rgb) {
        Objects.requireNonNull(rgb, "rgb");
        check(width, height, rgb);
        return new DecodedImage(width, height, rgb.clone(), "raw");
    }

    /**
     * Converts an in-memory image with the same Pillow-compatible rules as {@link ImageDecoder} (alpha dropped,
     * grey replicated, palette expanded). No EXIF orientation: a BufferedImage carries none.
     */
    public static DecodedImage fromBufferedImage(BufferedImage image) {
        Objects.requireNonNull(image, "image");
        return new DecodedImage(image.getWidth(), image.getHeight(), ImageDecoder.toRgb(image), "raw");
    }

    /** Takes ownership of {@code rgb} without copying; callers inside this package must not touch it again. */
    static DecodedImage owning(int width, int height, byte[] rgb, String sourceFormat) {
        check(width, height, rgb);
        return new DecodedImage(width, height, rgb, sourceFormat);
    }

    private static void check(int width, int height, byte[] rgb) {
        if (width <= 0 || height <= 0 || (long) width * height * 3 != rgb.length) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "RGB image of " + width + "x" + height
                    + " needs " + (3L * width * height) + " bytes, got " + rgb.length);
        }
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Format the image was decoded from ("jpeg", "png", "gif", "bmp", "webp", or "raw"). */
    public String sourceFormat() {
        return sourceFormat;
    }

    /** A copy of the interleaved RGB bytes, length {@code 3 * width * height}. */
    public byte[] rgb() {
        return rgb.clone();
    }

    /** The packed {@code 0xRRGGBB} value of one pixel. */
    public int rgbAt(int x, int y) {
        Objects.checkIndex(x, width);
        Objects.checkIndex(y, height);
        int i = (y * width + x) * 3;
        return (rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | (rgb[i + 2] & 0xff);
    }

    /** The internal array, read-only by convention; package use only. */
    byte[] rgbArray() {
        return rgb;
    }

    /** A new {@code TYPE_3BYTE_BGR} image with these pixels (for encoding or display). */
    public BufferedImage toBufferedImage() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        return image;
    }

    @Override
    public String toString() {
        return "DecodedImage[" + width + "x" + height + " from " + sourceFormat + "]";
    }
}
