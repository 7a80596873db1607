package dev.mmsearch.image;

/**
 * Applies an EXIF orientation (1-8) to interleaved RGB pixels exactly like {@code PIL.ImageOps.exif_transpose}
 * (2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 counter-clockwise).
 * Hand-written because it is a pure index permutation on our own RGB array; no library is needed for that.
 */
final class Orientation {
    private Orientation() {
    }

    static DecodedImage apply(int w, int h, byte[] rgb, int orientation, String format) {
        if (orientation <= 1 || orientation > 8) {
            return DecodedImage.owning(w, h, rgb, format);
        }
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        byte[] out = new byte[rgb.length];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    default -> { sx = w - 1 - y; sy = x; } // 8
                }
                int s = (sy * w + sx) * 3;
                int o = (y * ow + x) * 3;
                out[o] = rgb[s];
                out[o + 1] = rgb[s + 1];
                out[o + 2] = rgb[s + 2];
            }
        }
        return DecodedImage.owning(ow, oh, out, format);
    }
}
