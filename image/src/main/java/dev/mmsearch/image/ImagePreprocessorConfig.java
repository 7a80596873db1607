package dev.mmsearch.image;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The parameters of Hugging Face {@code CLIPImageProcessor}, as read from {@code preprocessor_config.json}.
 *
 * <p>Resize: when {@code shortestEdge > 0} the short side becomes {@code shortestEdge} and the long side
 * {@code int(shortestEdge * long / short)} (aspect kept); otherwise the image is resized to exactly
 * {@code resizeHeight x resizeWidth}. Arrays are copied in and out: instances are immutable.
 *
 * @param doResize      resize first
 * @param shortestEdge  target of the short side, or 0 when {@code resizeHeight}/{@code resizeWidth} are used
 * @param resizeHeight  exact resize height when {@code shortestEdge == 0}, else 0
 * @param resizeWidth   exact resize width when {@code shortestEdge == 0}, else 0
 * @param resample      Pillow filter used by the resize
 * @param doCenterCrop  center-crop (zero-padding when smaller) to {@code cropHeight x cropWidth}
 * @param cropHeight    crop height
 * @param cropWidth     crop width
 * @param doRescale     multiply 8-bit values by {@code rescaleFactor}
 * @param rescaleFactor usually 1/255
 * @param doNormalize   subtract {@code mean} and divide by {@code std}, per channel
 * @param mean          per-channel mean (R, G, B)
 * @param std           per-channel standard deviation (R, G, B)
 * @param doConvertRgb  convert to RGB first (decoding always yields RGB, so this is informational)
 */
public record ImagePreprocessorConfig(boolean doResize, int shortestEdge, int resizeHeight, int resizeWidth,
                                      Resample resample, boolean doCenterCrop, int cropHeight, int cropWidth,
                                      boolean doRescale, double rescaleFactor, boolean doNormalize,
                                      double[] mean, double[] std, boolean doConvertRgb) {

    /** OpenAI CLIP normalisation mean. */
    public static final double[] CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    /** OpenAI CLIP normalisation standard deviation. */
    public static final double[] CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

    public ImagePreprocessorConfig {
        if (resample == null) {
            throw invalid("resample must be set");
        }
        if (doResize) {
            if (shortestEdge < 0 || (shortestEdge == 0 && (resizeHeight <= 0 || resizeWidth <= 0))) {
                throw invalid("resize needs a positive shortest_edge or a positive height and width, got shortest_edge="
                        + shortestEdge + " height=" + resizeHeight + " width=" + resizeWidth);
            }
        }
        if (doCenterCrop && (cropHeight <= 0 || cropWidth <= 0)) {
            throw invalid("crop_size must be positive, got " + cropHeight + "x" + cropWidth);
        }
        if (doRescale && !(rescaleFactor > 0 && Double.isFinite(rescaleFactor))) {
            throw invalid("rescale_factor must be a positive number, got " + rescaleFactor);
        }
        mean = checkedTriple("image_mean", mean, false);
        std = checkedTriple("image_std", std, true);
    }

    private static double[] checkedTriple(String name, double[] values, boolean positive) {
        if (values == null || values.length != 3) {
            throw invalid(name + " must have 3 values (R, G, B), got "
                    + (values == null ? "none" : Arrays.toString(values)));
        }
        for (double v : values) {
            if (!Double.isFinite(v) || (positive && v <= 0)) {
                throw invalid(name + " values must be finite" + (positive ? " and positive" : "") + ", got "
                        + Arrays.toString(values));
            }
        }
        return values.clone();
    }

    @Override
    public double[] mean() {
        return mean.clone();
    }

    @Override
    public double[] std() {
        return std.clone();
    }

    /** The defaults of {@code openai/clip-vit-base-patch32}: shortest edge 224, bicubic, crop 224, CLIP mean/std. */
    public static ImagePreprocessorConfig clipVitB32() {
        return new ImagePreprocessorConfig(true, 224, 0, 0, Resample.BICUBIC, true, 224, 224,
                true, 1.0 / 255.0, true, CLIP_MEAN, CLIP_STD, true);
    }

    /** The same pipeline at another square input resolution (shortest edge and crop = {@code size}). */
    public ImagePreprocessorConfig withSize(int size) {
        return new ImagePreprocessorConfig(doResize, size, 0, 0, resample, doCenterCrop, size, size, doRescale,
                rescaleFactor, doNormalize, mean, std, doConvertRgb);
    }

    /**
     * Reads a Hugging Face {@code preprocessor_config.json}. Missing keys take {@code CLIPImageProcessor}'s defaults.
     *
     * @throws MmsearchException INVALID_ARGUMENT when the file is unreadable or a value is invalid
     */
    public static ImagePreprocessorConfig fromJson(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT,
                    "cannot read image preprocessor config " + file + ": " + e.getMessage(), e);
        }
        try {
            return fromJsonString(text);
        } catch (MmsearchException e) {
            throw new MmsearchException(e.code(), file + ": " + e.getMessage(), e);
        }
    }

    /** Parses the text of a {@code preprocessor_config.json}; see {@link #fromJson(Path)}. */
    public static ImagePreprocessorConfig fromJsonString(String json) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw invalid("image preprocessor config is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw invalid("image preprocessor config must be a JSON object");
        }
        ImagePreprocessorConfig d = clipVitB32();
        boolean doResize = bool(root, "do_resize", d.doResize());
        int shortest = d.shortestEdge();
        int rh = 0;
        int rw = 0;
        JsonNode size = root.get("size");
        if (size != null && !size.isNull()) {
            if (size.isIntegralNumber()) {
                shortest = size.intValue(); // get_size_dict(default_to_square=False) -> shortest_edge
            } else if (size.isObject() && size.has("shortest_edge")) {
                shortest = intValue(size, "shortest_edge");
            } else if (size.isObject() && size.has("height") && size.has("width")) {
                shortest = 0;
                rh = intValue(size, "height");
                rw = intValue(size, "width");
            } else {
                throw invalid("unsupported \"size\" " + size + "; expected an int, {\"shortest_edge\": N} or "
                        + "{\"height\": H, \"width\": W}");
            }
        }
        int ch = d.cropHeight();
        int cw = d.cropWidth();
        JsonNode crop = root.get("crop_size");
        if (crop != null && !crop.isNull()) {
            if (crop.isIntegralNumber()) {
                ch = crop.intValue();
                cw = crop.intValue();
            } else if (crop.isObject() && crop.has("height") && crop.has("width")) {
                ch = intValue(crop, "height");
                cw = intValue(crop, "width");
            } else {
                throw invalid("unsupported \"crop_size\" " + crop + "; expected an int or {\"height\": H, \"width\": W}");
            }
        }
        Resample resample = d.resample();
        JsonNode r = root.get("resample");
        if (r != null && !r.isNull()) {
            if (!r.isIntegralNumber()) {
                throw invalid("\"resample\" must be a Pillow filter code (2 bilinear, 3 bicubic), got " + r);
            }
            resample = Resample.fromPilCode(r.intValue());
        }
        double rescale = d.rescaleFactor();
        JsonNode rf = root.get("rescale_factor");
        if (rf != null && !rf.isNull()) {
            if (!rf.isNumber()) {
                throw invalid("\"rescale_factor\" must be a number, got " + rf);
            }
            rescale = rf.doubleValue();
        }
        return new ImagePreprocessorConfig(doResize, shortest, rh, rw, resample,
                bool(root, "do_center_crop", d.doCenterCrop()), ch, cw,
                bool(root, "do_rescale", d.doRescale()), rescale,
                bool(root, "do_normalize", d.doNormalize()),
                triple(root, "image_mean", d.mean()), triple(root, "image_std", d.std()),
                bool(root, "do_convert_rgb", d.doConvertRgb()));
    }

    private static boolean bool(JsonNode root, String key, boolean fallback) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw invalid("\"" + key + "\" must be true or false, got " + n);
        }
        return n.booleanValue();
    }

    private static int intValue(JsonNode node, String key) {
        JsonNode n = node.get(key);
        if (n == null || !n.isIntegralNumber()) {
            throw invalid("\"" + key + "\" must be an integer, got " + n);
        }
        return n.intValue();
    }

    private static double[] triple(JsonNode root, String key, double[] fallback) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (n.isNumber()) {
            return new double[] {n.doubleValue(), n.doubleValue(), n.doubleValue()};
        }
        if (!n.isArray() || n.size() != 3) {
            throw invalid("\"" + key + "\" must be a list of 3 numbers, got " + n);
        }
        double[] out = new double[3];
        for (int i = 0; i < 3; i++) {
            if (!n.get(i).isNumber()) {
                throw invalid("\"" + key + "\" must be a list of 3 numbers, got " + n);
            }
            out[i] = n.get(i).doubleValue();
        }
        return out;
    }

    private static MmsearchException invalid(String message) {
        return new MmsearchException(ErrorCode.INVALID_ARGUMENT, message);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImagePreprocessorConfig c && doResize == c.doResize && shortestEdge == c.shortestEdge
                && resizeHeight == c.resizeHeight && resizeWidth == c.resizeWidth && resample == c.resample
                && doCenterCrop == c.doCenterCrop && cropHeight == c.cropHeight && cropWidth == c.cropWidth
                && doRescale == c.doRescale && Double.compare(rescaleFactor, c.rescaleFactor) == 0
                && doNormalize == c.doNormalize && Arrays.equals(mean, c.mean) && Arrays.equals(std, c.std)
                && doConvertRgb == c.doConvertRgb;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new Object[] {doResize, shortestEdge, resizeHeight, resizeWidth, resample,
                doCenterCrop, cropHeight, cropWidth, doRescale, rescaleFactor, doNormalize,
                Arrays.hashCode(mean), Arrays.hashCode(std), doConvertRgb});
    }

    @Override
    public String toString() {
        return "ImagePreprocessorConfig[resize=" + doResize + " shortestEdge=" + shortestEdge + " size="
                + resizeHeight + "x" + resizeWidth + " resample=" + resample + " crop=" + doCenterCrop + " "
                + cropHeight + "x" + cropWidth + " rescale=" + doRescale + " " + rescaleFactor + " normalize="
                + doNormalize + " mean=" + Arrays.toString(mean) + " std=" + Arrays.toString(std)
                + " convertRgb=" + doConvertRgb + "]";
    }
}
