package dev.mmsearch.image;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;

/**
 * Pillow resampling filters that {@link PilResampler} reproduces, with Pillow's integer codes (the values of
 * {@code resample} in Hugging Face {@code preprocessor_config.json}). NEAREST (0) is not supported.
 */
public enum Resample {
    LANCZOS(1, 3.0),
    BILINEAR(2, 1.0),
    BICUBIC(3, 2.0),
    BOX(4, 0.5),
    HAMMING(5, 1.0);

    private final int pilCode;
    private final double support;

    Resample(int pilCode, double support) {
        this.pilCode = pilCode;
        this.support = support;
    }

    /** Pillow's integer code ({@code PIL.Image.Resampling}). */
    public int pilCode() {
        return pilCode;
    }

    double support() {
        return support;
    }

    /**
     * @throws MmsearchException INVALID_ARGUMENT for NEAREST or an unknown code
     */
    public static Resample fromPilCode(int code) {
        for (Resample r : values()) {
            if (r.pilCode == code) {
                return r;
            }
        }
        throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "unsupported resample code " + code
                + "; supported Pillow codes: 1 LANCZOS, 2 BILINEAR, 3 BICUBIC, 4 BOX, 5 HAMMING");
    }

    /** Pillow's filter kernels (src/libImaging/Resample.c). */
    double filter(double x) {
        switch (this) {
            case BICUBIC -> {
                final double a = -0.5;
                if (x < 0.0) {
                    x = -x;
                }
                if (x < 1.0) {
                    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                }
                if (x < 2.0) {
                    return (((x - 5) * x + 8) * x - 4) * a;
                }
                return 0.0;
            }
            case BILINEAR -> {
                if (x < 0.0) {
                    x = -x;
                }
                return x < 1.0 ? 1.0 - x : 0.0;
            }
            case BOX -> {
                return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
            }
            case HAMMING -> {
                if (x < 0.0) {
                    x = -x;
                }
                if (x == 0.0) {
                    return 1.0;
                }
                if (x >= 1.0) {
                    return 0.0;
                }
                x = x * Math.PI;
                return Math.sin(x) / x * (0.54 + 0.46 * Math.cos(x));
            }
            default -> {
                return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
            }
        }
    }

    private static double sinc(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        x = x * Math.PI;
        return Math.sin(x) / x;
    }
}
