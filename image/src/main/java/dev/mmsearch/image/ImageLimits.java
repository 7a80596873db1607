package dev.mmsearch.image;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;

/**
 * Upper bounds applied to every image before and while it is decoded.
 *
 * @param maxBytes  largest accepted encoded file, in bytes (default 20 MiB)
 * @param maxPixels largest accepted {@code width * height} as declared by the file header (default 50 million);
 *                  checked before any pixel is decoded, which is the guard against decompression bombs
 */
public record ImageLimits(long maxBytes, long maxPixels) {
    /** 20 MiB. */
    public static final long DEFAULT_MAX_BYTES = 20L * 1024 * 1024;
    /** 50 megapixels. */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;
    /** The defaults: 20 MiB and 50 megapixels. */
    public static final ImageLimits DEFAULTS = new ImageLimits(DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS);

    public ImageLimits {
        if (maxBytes <= 0) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT,
                    "image maxBytes must be positive, got " + maxBytes);
        }
        if (maxPixels <= 0) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT,
                    "image maxPixels must be positive, got " + maxPixels);
        }
    }

    /** The default limits (20 MiB, 50 megapixels). */
    public static ImageLimits defaults() {
        return DEFAULTS;
    }
}
