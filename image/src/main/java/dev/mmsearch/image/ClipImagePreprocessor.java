package dev.mmsearch.image;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;

import java.util.List;
import java.util.Objects;

/**
 * Turns images into CLIP {@code pixel_values} exactly as Hugging Face {@code CLIPImageProcessor} (the Pillow-based
 * "slow" processor) does: decode + EXIF orientation + {@code convert("RGB")} ({@link ImageDecoder}), resize the
 * short side with Pillow's resampling ({@link PilResampler}), center crop as {@code transformers.center_crop}
 * (zero padding when the image is smaller), rescale, normalise, channel-first float32.
 *
 * <p>Immutable and thread-safe. Output layout: CHW for one image ({@code 3 * height() * width()} floats),
 * NCHW for a batch.
 */
public final class ClipImagePreprocessor {
    private final ImagePreprocessorConfig config;
    private final ImageLimits limits;
    private final int height;
    private final int width;
    private final float[] mean;
    private final float[] std;

    /**
     * @throws MmsearchException INVALID_ARGUMENT when the output size would vary per image (shortest-edge resize
     *                           without center crop)
     */
    public ClipImagePreprocessor(ImagePreprocessorConfig config, ImageLimits limits) {
        this.config = Objects.requireNonNull(config, "config");
        this.limits = Objects.requireNonNull(limits, "limits");
        if (config.doCenterCrop()) {
            height = config.cropHeight();
            width = config.cropWidth();
        } else if (config.doResize() && config.shortestEdge() == 0) {
            height = config.resizeHeight();
            width = config.resizeWidth();
        } else {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "image preprocessing without center crop "
                    + "must resize to an explicit height and width, otherwise the output size varies per image: "
                    + config);
        }
        double[] m = config.mean();
        double[] s = config.std();
        mean = new float[] {(float) m[0], (float) m[1], (float) m[2]};
        std = new float[] {(float) s[0], (float) s[1], (float) s[2]};
    }

    /** CLIP ViT-B/32 defaults with the default limits. */
    public ClipImagePreprocessor() {
        this(ImagePreprocessorConfig.clipVitB32(), ImageLimits.DEFAULTS);
    }

    public ImagePreprocessorConfig config() {
        return config;
    }

    public ImageLimits limits() {
        return limits;
    }

    /** Output height in pixels. */
    public int height() {
        return height;
    }

    /** Output width in pixels. */
    public int width() {
        return width;
    }

    /**
     * Decodes and preprocesses one encoded image file.
     *
     * @return CHW float32, length {@code 3 * height() * width()}
     * @throws MmsearchException UNSUPPORTED_MEDIA_TYPE / PAYLOAD_TOO_LARGE from {@link ImageDecoder}
     */
    public float[] pixelValues(byte[] encodedImage) {
        return pixelValues(ImageDecoder.decode(encodedImage, limits));
    }

    /** Preprocesses an already decoded image; CHW float32, length {@code 3 * height() * width()}. */
    public float[] pixelValues(DecodedImage image) {
        float[] out = new float[3 * height * width];
        writePixelValues(image, out, 0);
        return out;
    }

    /**
     * Decodes and preprocesses several encoded files into one NCHW array ({@code n * 3 * height() * width()}),
     * in input order. Fails on the first bad image, with its index in the message when there are several.
     */
    public float[] batch(List<byte[]> encodedImages) {
        int plane = 3 * height * width;
        float[] out = new float[encodedImages.size() * plane];
        for (int i = 0; i < encodedImages.size(); i++) {
            DecodedImage image;
            try {
                image = ImageDecoder.decode(encodedImages.get(i), limits);
            } catch (MmsearchException e) {
                if (encodedImages.size() == 1) {
                    throw e; // one image: its position adds nothing to the message
                }
                throw new MmsearchException(e.code(), "image " + i + ": " + e.getMessage(), e);
            }
            writePixelValues(image, out, i * plane);
        }
        return out;
    }

    /** Preprocesses decoded images into one NCHW array, in input order. */
    public float[] batchDecoded(List<DecodedImage> images) {
        int plane = 3 * height * width;
        float[] out = new float[images.size() * plane];
        for (int i = 0; i < images.size(); i++) {
            writePixelValues(images.get(i), out, i * plane);
        }
        return out;
    }

    /**
     * The 8-bit RGB image after resize and center crop, before rescale/normalise (interleaved,
     * {@code 3 * height() * width()} bytes). Exposed for parity tests and thumbnails of the model's view.
     */
    public DecodedImage resizedAndCropped(DecodedImage image) {
        int[] size = new int[2];
        byte[] rgb = resizeAndCrop(image, size);
        return DecodedImage.owning(size[0], size[1], rgb, image.sourceFormat());
    }

    private byte[] resizeAndCrop(DecodedImage image, int[] sizeOut) {
        int w = image.width();
        int h = image.height();
        byte[] rgb = image.rgbArray();
        if (config.doResize()) {
            int nw;
            int nh;
            if (config.shortestEdge() > 0) {
                // transformers get_resize_output_image_size(default_to_square=False)
                int s = config.shortestEdge();
                boolean widthIsShort = w <= h;
                int shortSide = widthIsShort ? w : h;
                int longSide = widthIsShort ? h : w;
                int newLong = (int) ((double) s * longSide / shortSide);
                nw = widthIsShort ? s : newLong;
                nh = widthIsShort ? newLong : s;
            } else {
                nw = config.resizeWidth();
                nh = config.resizeHeight();
            }
            rgb = PilResampler.resize(rgb, w, h, nw, nh, config.resample());
            w = nw;
            h = nh;
        }
        if (config.doCenterCrop()) {
            rgb = centerCrop(rgb, w, h, config.cropHeight(), config.cropWidth());
            w = config.cropWidth();
            h = config.cropHeight();
        }
        sizeOut[0] = w;
        sizeOut[1] = h;
        return rgb;
    }

    /**
     * transformers {@code image_transforms.center_crop}: {@code top = (h - ch) // 2}, {@code left = (w - cw) // 2};
     * when the crop is larger than the image, the image is first placed on a zero canvas at offset
     * {@code ceil((newSize - size) / 2)}, which this index arithmetic reproduces.
     */
    static byte[] centerCrop(byte[] rgb, int w, int h, int ch, int cw) {
        if (w == cw && h == ch) {
            return rgb;
        }
        int top = Math.floorDiv(h - ch, 2);
        int left = Math.floorDiv(w - cw, 2);
        int padTop = 0;
        int padLeft = 0;
        if (top < 0 || left < 0 || top + ch > h || left + cw > w) {
            int newH = Math.max(ch, h);
            int newW = Math.max(cw, w);
            padTop = (newH - h + 1) / 2; // ceil
            padLeft = (newW - w + 1) / 2;
            top += padTop;
            left += padLeft;
        }
        byte[] out = new byte[ch * cw * 3];
        for (int y = 0; y < ch; y++) {
            int sy = top + y - padTop; // source row in the unpadded image
            if (sy < 0 || sy >= h) {
                continue; // zero padding
            }
            for (int x = 0; x < cw; x++) {
                int sx = left + x - padLeft;
                if (sx < 0 || sx >= w) {
                    continue;
                }
                int s = (sy * w + sx) * 3;
                int o = (y * cw + x) * 3;
                out[o] = rgb[s];
                out[o + 1] = rgb[s + 1];
                out[o + 2] = rgb[s + 2];
            }
        }
        return out;
    }

    private void writePixelValues(DecodedImage image, float[] out, int offset) {
        int[] size = new int[2];
        byte[] rgb = resizeAndCrop(image, size);
        if (size[0] != width || size[1] != height) {
            throw new IllegalStateException("preprocessed size " + size[0] + "x" + size[1] + " != " + width + "x" + height);
        }
        int plane = width * height;
        boolean rescale = config.doRescale();
        double factor = config.rescaleFactor();
        boolean normalize = config.doNormalize();
        for (int c = 0; c < 3; c++) {
            float m = mean[c];
            float s = std[c];
            int base = offset + c * plane;
            for (int i = 0; i < plane; i++) {
                int v = rgb[i * 3 + c] & 0xff;
                // transformers rescale: float64 multiply, then cast to float32; normalize in float32
                float f = rescale ? (float) (v * factor) : v;
                if (normalize) {
                    f = (f - m) / s;
                }
                out[base + i] = f;
            }
        }
    }
}
