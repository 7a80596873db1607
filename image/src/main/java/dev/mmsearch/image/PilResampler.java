package dev.mmsearch.image;

/**
 * A transcription of Pillow's {@code ImagingResample} for 8-bit RGB images (src/libImaging/Resample.c), so that
 * resized pixels are bit-identical to {@code PIL.Image.resize(size, filter)}, which is what Hugging Face
 * {@code CLIPImageProcessor} uses. Hand-written on purpose: no Java imaging library reproduces Pillow's kernels
 * (support widened by the scale factor when downscaling, i.e. antialiasing), its coefficient normalisation, its
 * 22-bit fixed-point coefficients and its rounding/clipping to 8 bits between the horizontal pass (first) and the
 * vertical pass (second). Any deviation here shows up in the pixel parity tests.
 */
final class PilResampler {
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilResampler() {
    }

    /** Coefficients of one pass: per output position, first input index, count, and ksize fixed-point weights. */
    private record Coefficients(int ksize, int[] bounds, int[] weights) {
    }

    /** Resizes interleaved RGB {@code src} of {@code w x h} to {@code nw x nh}; returns {@code src} when equal. */
    static byte[] resize(byte[] src, int w, int h, int nw, int nh, Resample filter) {
        boolean needHorizontal = nw != w;
        boolean needVertical = nh != h;
        if (!needHorizontal && !needVertical) {
            return src;
        }
        Coefficients horizontal = coefficients(w, nw, filter);
        Coefficients vertical = coefficients(h, nh, filter);
        byte[] current = src;
        int currentHeight = h;
        int[] verticalBounds = vertical.bounds().clone();
        if (needHorizontal) {
            int yFirst = verticalBounds[0];
            int yLast = verticalBounds[nh * 2 - 2] + verticalBounds[nh * 2 - 1];
            for (int i = 0; i < nh; i++) {
                verticalBounds[i * 2] -= yFirst;
            }
            current = horizontalPass(src, w, yFirst, yLast - yFirst, nw, horizontal);
            currentHeight = yLast - yFirst;
        }
        if (needVertical) {
            current = verticalPass(current, nw, currentHeight, nh,
                    new Coefficients(vertical.ksize(), verticalBounds, vertical.weights()));
        }
        return current;
    }

    /** Pillow's {@code precompute_coeffs} followed by {@code normalize_coeffs_8bpc}. */
    private static Coefficients coefficients(int inSize, int outSize, Resample filter) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support() * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] bounds = new int[outSize * 2];
        int[] weights = new int[outSize * ksize];
        double[] k = new double[ksize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ww = 0.0;
            double ss = 1.0 / filterScale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            xmax -= xmin;
            for (int x = 0; x < xmax; x++) {
                double wgt = filter.filter((x + xmin - center + 0.5) * ss);
                k[x] = wgt;
                ww += wgt;
            }
            for (int x = 0; x < xmax; x++) {
                if (ww != 0.0) {
                    k[x] /= ww;
                }
            }
            for (int x = 0; x < xmax; x++) {
                double scaled = k[x] * (1 << PRECISION_BITS);
                weights[xx * ksize + x] = (int) (k[x] < 0 ? -0.5 + scaled : 0.5 + scaled);
            }
            bounds[xx * 2] = xmin;
            bounds[xx * 2 + 1] = xmax;
        }
        return new Coefficients(ksize, bounds, weights);
    }

    private static int clip8(int value) {
        int v = value >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static byte[] horizontalPass(byte[] src, int w, int yOffset, int outHeight, int nw, Coefficients c) {
        byte[] out = new byte[nw * outHeight * 3];
        int ksize = c.ksize();
        int[] bounds = c.bounds();
        int[] kk = c.weights();
        for (int yy = 0; yy < outHeight; yy++) {
            int rowIn = (yy + yOffset) * w * 3;
            int rowOut = yy * nw * 3;
            for (int xx = 0; xx < nw; xx++) {
                int xmin = bounds[xx * 2];
                int xmax = bounds[xx * 2 + 1];
                int kOff = xx * ksize;
                int ss0 = 1 << (PRECISION_BITS - 1);
                int ss1 = ss0;
                int ss2 = ss0;
                int p = rowIn + xmin * 3;
                for (int x = 0; x < xmax; x++, p += 3) {
                    int k = kk[kOff + x];
                    ss0 += (src[p] & 0xff) * k;
                    ss1 += (src[p + 1] & 0xff) * k;
                    ss2 += (src[p + 2] & 0xff) * k;
                }
                int o = rowOut + xx * 3;
                out[o] = (byte) clip8(ss0);
                out[o + 1] = (byte) clip8(ss1);
                out[o + 2] = (byte) clip8(ss2);
            }
        }
        return out;
    }

    private static byte[] verticalPass(byte[] src, int w, int h, int nh, Coefficients c) {
        byte[] out = new byte[w * nh * 3];
        int ksize = c.ksize();
        int[] bounds = c.bounds();
        int[] kk = c.weights();
        int stride = w * 3;
        for (int yy = 0; yy < nh; yy++) {
            int ymin = bounds[yy * 2];
            int ymax = bounds[yy * 2 + 1];
            int kOff = yy * ksize;
            int rowOut = yy * stride;
            for (int xx = 0; xx < w; xx++) {
                int ss0 = 1 << (PRECISION_BITS - 1);
                int ss1 = ss0;
                int ss2 = ss0;
                int p = ymin * stride + xx * 3;
                for (int y = 0; y < ymax; y++, p += stride) {
                    int k = kk[kOff + y];
                    ss0 += (src[p] & 0xff) * k;
                    ss1 += (src[p + 1] & 0xff) * k;
                    ss2 += (src[p + 2] & 0xff) * k;
                }
                int o = rowOut + xx * 3;
                out[o] = (byte) clip8(ss0);
                out[o + 1] = (byte) clip8(ss1);
                out[o + 2] = (byte) clip8(ss2);
            }
        }
        return out;
    }
}
