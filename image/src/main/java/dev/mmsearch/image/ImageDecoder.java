package dev.mmsearch.image;

import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEG;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegment;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegmentUtil;
import com.twelvemonkeys.imageio.metadata.tiff.TIFF;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Decodes encoded image files (JPEG incl. CMYK/YCCK, PNG, GIF first frame, BMP, WebP) into 8-bit RGB
 * {@link DecodedImage}s, safely and the way Pillow does it.
 *
 * <p>Order of checks: the byte size against {@link ImageLimits#maxBytes()}, then the format (only the formats above
 * are accepted, whatever other ImageIO plugins are on the class path), then the width and height read from the file
 * header against {@link ImageLimits#maxPixels()} <em>before</em> any pixel is decoded (decompression-bomb guard),
 * then the pixels. Empty, unknown, corrupt or truncated input is {@link ErrorCode#UNSUPPORTED_MEDIA_TYPE}; input over
 * a limit is {@link ErrorCode#PAYLOAD_TOO_LARGE}.
 *
 * <p>Colour conversion mirrors Pillow's {@code Image.convert("RGB")} (what Hugging Face's
 * {@code CLIPImageProcessor} applies with {@code do_convert_rgb}): alpha is dropped (not composited), grey is
 * replicated, palettes are expanded (palette transparency ignored), 16-bit RGB keeps the high byte, CMYK uses
 * Pillow's naive formula {@code (255-c)(255-k)/255} without ICC profiles. Embedded ICC profiles are ignored, as
 * Pillow's {@code convert} ignores them. EXIF orientation (1-8) of JPEG files is applied afterwards, as
 * {@code PIL.ImageOps.exif_transpose} does in {@code transformers.image_utils.load_image}. A GIF yields its first
 * frame on the logical screen, as Pillow loads it ({@link GifCanvas}). Lossy WebP goes through TwelveMonkeys' VP8
 * decoder, which differs from libwebp by a few levels; every other path is bit-identical to Pillow 9.4 in the parity
 * fixtures.
 *
 * <p>Stateless and thread-safe.
 */
public final class ImageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(ImageDecoder.class);
    private static final Set<String> ACCEPTED_FORMATS = Set.of("jpeg", "png", "gif", "bmp", "webp");
    private static final String SUPPORTED = "supported formats: JPEG, PNG, GIF, BMP, WebP";

    static {
        ImageIO.setUseCache(false);
        ImageIO.scanForPlugins();
    }

    private ImageDecoder() {
    }

    /** Decodes with {@link ImageLimits#DEFAULTS}. */
    public static DecodedImage decode(byte[] bytes) {
        return decode(bytes, ImageLimits.DEFAULTS);
    }

    /**
     * Decodes one encoded image file to 8-bit RGB with EXIF orientation applied.
     *
     * @throws MmsearchException PAYLOAD_TOO_LARGE over a limit; UNSUPPORTED_MEDIA_TYPE for empty, unknown, corrupt or
     *                           truncated input
     */
    public static DecodedImage decode(byte[] bytes, ImageLimits limits) {
        Objects.requireNonNull(limits, "limits");
        if (bytes == null || bytes.length == 0) {
            throw unsupported("the image is empty (0 bytes); send the bytes of a JPEG, PNG, GIF, BMP or WebP file", null);
        }
        if (bytes.length > limits.maxBytes()) {
            throw new MmsearchException(ErrorCode.PAYLOAD_TOO_LARGE, "image is " + bytes.length
                    + " bytes, over the limit of " + limits.maxBytes() + " bytes; send a smaller file");
        }
        ImageReader reader = null;
        try (ImageInputStream in = new ByteArrayImageInputStream(bytes)) {
            reader = readerFor(in);
            String format = formatOf(reader);
            reader.setInput(in, true, true);
            int width;
            int height;
            try {
                width = reader.getWidth(0);
                height = reader.getHeight(0);
            } catch (IOException | RuntimeException e) {
                throw unsupported("the " + format + " header could not be read (" + reason(e)
                        + "); the file is corrupt or truncated, re-export or re-download it", e);
            }
            if (width <= 0 || height <= 0) {
                throw unsupported("the " + format + " header declares an empty image (" + width + "x" + height + ")", null);
            }
            GifCanvas canvas = "gif".equals(format) ? GifCanvas.read(reader) : null;
            if (canvas != null) { // Pillow allocates the logical screen, so that is what the limit applies to
                width = Math.max(width, canvas.width());
                height = Math.max(height, canvas.height());
            }
            long pixels = (long) width * height;
            if (pixels > limits.maxPixels()) {
                throw new MmsearchException(ErrorCode.PAYLOAD_TOO_LARGE, "image is " + width + "x" + height + " = "
                        + pixels + " pixels, over the limit of " + limits.maxPixels()
                        + " pixels; downscale it before sending");
            }
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener(warningCollector(warnings));
            BufferedImage image;
            try {
                ImageReadParam param = reader.getDefaultReadParam();
                if ("jpeg".equals(format)) {
                    // RGB/grey: decode to the file's own colour space without ICC conversion, as Pillow ignores
                    // embedded profiles (e.g. Adobe RGB). CMYK/YCCK: keep TwelveMonkeys' default conversion, which
                    // equals Pillow's naive (255-c)(255-k)/255 when the file has no ICC profile (with one, the
                    // profile is applied: truer colours than Pillow, not bit-identical).
                    ImageTypeSpecifier raw = reader.getRawImageType(0);
                    if (raw != null && raw.getColorModel().getColorSpace().getType() != ColorSpace.TYPE_CMYK) {
                        param.setDestinationType(raw);
                    }
                }
                image = reader.read(0, param);
            } catch (IOException | RuntimeException e) {
                throw unsupported("the " + format + " data could not be decoded (" + reason(e)
                        + "); the file is corrupt or truncated, re-export or re-download it", e);
            }
            for (String warning : warnings) {
                String w = warning.toLowerCase(Locale.ROOT);
                if (w.contains("premature end") || w.contains("truncat") || w.contains("corrupt")) {
                    throw unsupported("the " + format + " data is truncated or corrupt (" + warning
                            + "); re-export or re-download the file", null);
                }
            }
            if (!warnings.isEmpty()) {
                LOG.debug("image decoded with warnings format={} warnings={}", format, warnings);
            }
            if (canvas != null) {
                return DecodedImage.owning(canvas.width(), canvas.height(), canvas.compose(image), format);
            }
            if (image.getWidth() != width || image.getHeight() != height) {
                throw unsupported("the " + format + " file declares " + width + "x" + height + " but decodes to "
                        + image.getWidth() + "x" + image.getHeight(), null);
            }
            byte[] rgb = toRgb(image);
            int orientation = "jpeg".equals(format) ? exifOrientation(bytes) : 1;
            return Orientation.apply(width, height, rgb, orientation, format);
        } catch (IOException e) {
            throw unsupported("the image could not be read (" + reason(e) + ")", e);
        } finally {
            if (reader != null) {
                reader.dispose();
            }
        }
    }

    private static ImageReader readerFor(ImageInputStream in) throws IOException {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        while (readers.hasNext()) {
            ImageReader candidate = readers.next();
            if (ACCEPTED_FORMATS.contains(formatOf(candidate))) {
                in.seek(0);
                return candidate;
            }
            candidate.dispose();
        }
        throw unsupported("the bytes are not a recognised image (" + SUPPORTED + "; SVG, TIFF and others are not)", null);
    }

    private static String formatOf(ImageReader reader) {
        ImageReaderSpi spi = reader.getOriginatingProvider();
        if (spi == null) {
            return "unknown";
        }
        String name = spi.getFormatNames()[0].toLowerCase(Locale.ROOT);
        return switch (name) {
            case "jpg", "jpeg", "jpeg-lossless", "jpeg-ls" -> "jpeg";
            case "png" -> "png";
            case "gif" -> "gif";
            case "bmp" -> "bmp";
            case "webp" -> "webp";
            default -> name;
        };
    }

    private static IIOReadWarningListener warningCollector(List<String> warnings) {
        return (source, warning) -> warnings.add(warning);
    }

    /** EXIF orientation 1..8 of a JPEG file, 1 when absent or unreadable (then the image is shown as stored). */
    static int exifOrientation(byte[] jpeg) {
        try (ImageInputStream in = new ByteArrayImageInputStream(jpeg)) {
            List<JPEGSegment> segments = JPEGSegmentUtil.readSegments(in, JPEG.APP1, "Exif");
            if (segments.isEmpty()) {
                return 1;
            }
            InputStream data = segments.get(0).data();
            if (data.read() < 0) { // the pad byte after "Exif\0"
                return 1;
            }
            try (ImageInputStream exif = ImageIO.createImageInputStream(data)) {
                Directory directory = new TIFFReader().read(exif);
                Entry entry = directory.getEntryById(TIFF.TAG_ORIENTATION);
                if (entry == null || !(entry.getValue() instanceof Number n)) {
                    return 1;
                }
                int value = n.intValue();
                return value >= 1 && value <= 8 ? value : 1;
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("exif orientation unreadable, using 1 reason={}", e.toString());
            return 1;
        }
    }

    /** Converts any decoded BufferedImage to interleaved 8-bit RGB the way Pillow's {@code convert("RGB")} does. */
    static byte[] toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        byte[] out = new byte[w * h * 3];
        int bands = raster.getNumBands();
        int[] row = new int[w * bands];
        if (cm instanceof IndexColorModel icm) {
            int size = icm.getMapSize();
            byte[] r = new byte[size];
            byte[] g = new byte[size];
            byte[] b = new byte[size];
            icm.getReds(r);
            icm.getGreens(g);
            icm.getBlues(b);
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                    int idx = Math.min(row[x], size - 1);
                    out[o] = r[idx];
                    out[o + 1] = g[idx];
                    out[o + 2] = b[idx];
                }
            }
            return out;
        }
        if (cm instanceof ComponentColorModel) {
            int type = cm.getColorSpace().getType();
            int transfer = raster.getTransferType();
            boolean sixteen = transfer == DataBuffer.TYPE_USHORT;
            if (transfer == DataBuffer.TYPE_BYTE || sixteen) {
                if (type == ColorSpace.TYPE_GRAY && (bands == 1 || bands == 2)) {
                    for (int y = 0; y < h; y++) {
                        raster.getPixels(0, y, w, 1, row);
                        for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                            int v = row[x * bands];
                            // 16-bit grey without alpha: Pillow opens it as mode "I" and convert("RGB") clips the
                            // value to 0..255 (it does not scale); mirrored for parity. 16-bit grey+alpha opens as
                            // "LA" keeping the most significant byte.
                            byte gv = (byte) (!sixteen ? v : bands == 1 ? Math.min(v, 255) : v >> 8);
                            out[o] = gv;
                            out[o + 1] = gv;
                            out[o + 2] = gv;
                        }
                    }
                    return out;
                }
                if (type == ColorSpace.TYPE_RGB && (bands == 3 || bands == 4)) {
                    int shift = sixteen ? 8 : 0; // Pillow keeps the most significant byte of 16-bit RGB(A) PNGs
                    for (int y = 0; y < h; y++) {
                        raster.getPixels(0, y, w, 1, row);
                        for (int x = 0, o = y * w * 3, i = 0; x < w; x++, o += 3, i += bands) {
                            out[o] = (byte) (row[i] >> shift);
                            out[o + 1] = (byte) (row[i + 1] >> shift);
                            out[o + 2] = (byte) (row[i + 2] >> shift);
                        }
                    }
                    return out;
                }
                if (type == ColorSpace.TYPE_CMYK && bands == 4 && !sixteen) {
                    for (int y = 0; y < h; y++) {
                        raster.getPixels(0, y, w, 1, row);
                        for (int x = 0, o = y * w * 3, i = 0; x < w; x++, o += 3, i += 4) {
                            int nk = 255 - row[i + 3];
                            out[o] = (byte) cmykChannel(row[i], nk);
                            out[o + 1] = (byte) cmykChannel(row[i + 1], nk);
                            out[o + 2] = (byte) cmykChannel(row[i + 2], nk);
                        }
                    }
                    return out;
                }
            }
        }
        if (cm instanceof DirectColorModel dcm && dcm.getColorSpace().isCS_sRGB()) {
            for (int y = 0; y < h; y++) {
                for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                    Object pixel = raster.getDataElements(x, y, null);
                    out[o] = (byte) dcm.getRed(pixel);
                    out[o + 1] = (byte) dcm.getGreen(pixel);
                    out[o + 2] = (byte) dcm.getBlue(pixel);
                }
            }
            return out;
        }
        // Anything else (unusual colour spaces): let Java2D convert to sRGB, then drop alpha.
        int[] argb = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, argb, 0, w);
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                out[o] = (byte) (argb[x] >> 16);
                out[o + 1] = (byte) (argb[x] >> 8);
                out[o + 2] = (byte) argb[x];
            }
        }
        return out;
    }

    /** Pillow's {@code cmyk2rgb}: {@code CLIP8(nk - MULDIV255(c, nk))} with MULDIV255 rounding as in Pillow. */
    private static int cmykChannel(int c, int nk) {
        int tmp = c * nk + 128;
        int muldiv = ((tmp >> 8) + tmp) >> 8;
        int v = nk - muldiv;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static String reason(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static MmsearchException unsupported(String message, Throwable cause) {
        return new MmsearchException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, message, cause);
    }
}
