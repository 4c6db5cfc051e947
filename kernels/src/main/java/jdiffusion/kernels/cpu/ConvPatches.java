package jdiffusion.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The implicit im2col matrix of a convolution, as the B operand of {@link Sgemm}: {@code X(p, k)} is input
 * pixel {@code (b, c, oy*s + dy, ox*s + dx)} for output pixel {@code p = (b*OH + oy)*OW + ox} and patch
 * position {@code k = (c*kh + dy)*kw + dx}. The input arrives already zero-padded ({@link ConvOps} pads
 * it once), so no patch read ever leaves the image and packing needs no bounds checks. Only one packed panel
 * exists at a time, never the whole patch matrix.
 *
 * <p>A vector of output pixels within one output row reads, at stride 1, one contiguous run of an input
 * row: packing is a vector copy per patch position. Other groups (rows shorter than a vector, stride 2)
 * read each lane from its own precomputed offset.
 */
final class ConvPatches implements PanelSource {
    private static final VectorSpecies<Float> S = MicroKernel.SPECIES;
    private final float[] in;
    private final int base, batch, channels, height, width, kh, kw, stride, outH, outW;

    /** {@code in[base ..]} holds contiguous, already padded NCHW input {@code [batch, channels, height, width]}. */
    ConvPatches(float[] in, int base, int batch, int channels, int height, int width, int kh, int kw, int stride) {
        this.in = in;
        this.base = base;
        this.batch = batch;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.kh = kh;
        this.kw = kw;
        this.stride = stride;
        this.outH = (height - kh) / stride + 1;
        this.outW = (width - kw) / stride + 1;
    }

    @Override public int outer() { return batch * outH * outW; }

    @Override public int inner() { return channels * kh * kw; }

    @Override
    public void packInterleaved(float[] dst, int dstOff, int i0, int widthI, int k0, int kc, int R) {
        int lanes = S.length();
        for (int g = 0; g < R; g += lanes) {
            int n = Math.min(lanes, Math.max(0, widthI - g)), p0 = i0 + g, d0 = dstOff + g;
            if (n == 0) { zero(dst, d0, lanes, kc, R); continue; }
            int img = p0 / (outH * outW), rem = p0 % (outH * outW), oy = rem / outW, ox = rem % outW;
            if (n == lanes && stride == 1 && ox + lanes <= outW) packRowVector(dst, d0, img, oy, ox, k0, kc, R);
            else if (n == lanes && pointwise() && rem + lanes <= outH * outW) packPointwise(dst, d0, img, rem, k0, kc, R);
            else packLanes(dst, d0, p0, n, lanes, k0, kc, R);
        }
    }

    /** {@code lanes} consecutive output pixels of one row, stride 1: one vector copy per patch position. */
    private void packRowVector(float[] dst, int d, int img, int oy, int ox, int k0, int kc, int R) {
        int taps = kh * kw, c = k0 / taps, t = k0 % taps, dy = t / kw, dx = t % kw;
        int plane = height * width, src = base + img * channels * plane + c * plane + (oy + dy) * width + ox + dx;
        for (int k = 0; k < kc; k++, d += R) {
            FloatVector.fromArray(S, in, src).intoArray(dst, d);
            if (++dx < kw) src++;
            else {
                dx = 0;
                if (++dy < kh) src += width - kw + 1;
                else { dy = 0; src += plane - (kh - 1) * width - kw + 1; }
            }
        }
    }

    private boolean pointwise() { return kh == 1 && kw == 1 && stride == 1; }

    /** 1x1 at stride 1: output pixels are input pixels, contiguous across rows within an image. */
    private void packPointwise(float[] dst, int d, int img, int pixel, int k0, int kc, int R) {
        int plane = height * width, src = base + (img * channels + k0) * plane + pixel;
        for (int k = 0; k < kc; k++, d += R, src += plane) FloatVector.fromArray(S, in, src).intoArray(dst, d);
    }

    /** Any {@code n} output pixels (crossing rows or images, strided): each lane from its own offset. */
    private void packLanes(float[] dst, int d, int p0, int n, int lanes, int k0, int kc, int R) {
        int[] src = new int[n];
        int plane = height * width;
        for (int j = 0; j < n; j++) {
            int p = p0 + j, img = p / (outH * outW), rem = p % (outH * outW);
            src[j] = base + img * channels * plane + (rem / outW) * stride * width + (rem % outW) * stride;
        }
        int taps = kh * kw, c = k0 / taps, t = k0 % taps, dy = t / kw, dx = t % kw;
        for (int k = 0; k < kc; k++, d += R) {
            int off = c * plane + dy * width + dx;
            for (int j = 0; j < n; j++) dst[d + j] = in[src[j] + off];
            for (int j = n; j < lanes; j++) dst[d + j] = 0f;
            if (++dx == kw) { dx = 0; if (++dy == kh) { dy = 0; c++; } }
        }
    }

    private static void zero(float[] dst, int d, int lanes, int kc, int R) {
        for (int k = 0; k < kc; k++, d += R) java.util.Arrays.fill(dst, d, d + lanes, 0f);
    }
}
