package jdiffusion.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The implicit im2col matrix of a convolution, as the B operand of {@link Sgemm}: {@code X(p, k)} is input
 * pixel {@code (b, c, oy*s + dy, ox*s + dx)} for output pixel {@code p = (b*OH + oy)*OW + ox} and patch
 * position {@code k = (c*kh + dy)*kw + dx}. The zero border of {@code pad} is virtual: reads that fall in
 * it give zero, so no padded copy of the (possibly huge) input is ever made; only vectors near the border
 * pay for the checks. Only one packed panel exists at a time, never the whole patch matrix.
 *
 * <p>A vector of output pixels within one output row reads, at stride 1, one contiguous run of an input
 * row: packing is a vector copy per patch position. Other groups (rows shorter than a vector, stride 2)
 * read each lane from its own precomputed offset.
 */
final class ConvPatches implements PanelSource {
    private static final VectorSpecies<Float> S = MicroKernel.SPECIES;
    private final float[] in;
    private final int base, batch, channels, height, width, kh, kw, stride, pad, outH, outW;

    /** {@code in[base ..]} holds contiguous NCHW input {@code [batch, channels, height, width]}, seen with a zero border of {@code pad}. */
    ConvPatches(float[] in, int base, int batch, int channels, int height, int width, int kh, int kw, int stride, int pad) {
        this.in = in;
        this.base = base;
        this.batch = batch;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.kh = kh;
        this.kw = kw;
        this.stride = stride;
        this.pad = pad;
        this.outH = (height + 2 * pad - kh) / stride + 1;
        this.outW = (width + 2 * pad - kw) / stride + 1;
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
            if (n == lanes && stride == 1 && ox + lanes <= outW) {
                if (interior(oy, ox, lanes)) packRowVector(dst, d0, img, oy, ox, k0, kc, R);
                else packBorderVector(dst, d0, img, oy, ox, k0, kc, R);
            }
            else if (n == lanes && pointwise() && rem + lanes <= outH * outW) packPointwise(dst, d0, img, rem, k0, kc, R);
            else packLanes(dst, d0, p0, n, lanes, k0, kc, R);
        }
    }

    /** Whether every patch read of {@code lanes} pixels of row {@code oy} from {@code ox} (stride 1) lies inside the input. */
    private boolean interior(int oy, int ox, int lanes) {
        return oy >= pad && oy - pad + kh <= height && ox >= pad && ox - pad + lanes - 1 + kw <= width;
    }

    /** {@code lanes} consecutive output pixels of one row, stride 1, all reads inside: one vector copy per patch position. */
    private void packRowVector(float[] dst, int d, int img, int oy, int ox, int k0, int kc, int R) {
        int taps = kh * kw, c = k0 / taps, t = k0 % taps, dy = t / kw, dx = t % kw;
        int plane = height * width, src = base + img * channels * plane + c * plane + (oy - pad + dy) * width + ox - pad + dx;
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

    /** As {@link #packRowVector} for a vector touching the border: masked loads, rows outside read as zero. */
    private void packBorderVector(float[] dst, int d, int img, int oy, int ox, int k0, int kc, int R) {
        int taps = kh * kw, c = k0 / taps, t = k0 % taps, dy = t / kw, dx = t % kw;
        int plane = height * width, imageBase = base + img * channels * plane;
        for (int k = 0; k < kc; k++, d += R) {
            int y = oy - pad + dy, x = ox - pad + dx;
            if (y < 0 || y >= height) FloatVector.zero(S).intoArray(dst, d);
            else FloatVector.fromArray(S, in, imageBase + c * plane + y * width + x, S.indexInRange(x, width)).intoArray(dst, d);
            if (++dx == kw) { dx = 0; if (++dy == kh) { dy = 0; c++; } }
        }
    }

    private boolean pointwise() { return kh == 1 && kw == 1 && stride == 1 && pad == 0; }

    /** 1x1 at stride 1: output pixels are input pixels, contiguous across rows within an image. */
    private void packPointwise(float[] dst, int d, int img, int pixel, int k0, int kc, int R) {
        int plane = height * width, src = base + (img * channels + k0) * plane + pixel;
        for (int k = 0; k < kc; k++, d += R, src += plane) FloatVector.fromArray(S, in, src).intoArray(dst, d);
    }

    /** Any {@code n} output pixels (crossing rows or images, strided): each lane from its own offset. */
    private void packLanes(float[] dst, int d, int p0, int n, int lanes, int k0, int kc, int R) {
        int[] src = new int[n], ys = new int[n], xs = new int[n];
        int plane = height * width;
        for (int j = 0; j < n; j++) {
            int p = p0 + j, img = p / (outH * outW), rem = p % (outH * outW);
            src[j] = base + img * channels * plane;
            ys[j] = (rem / outW) * stride - pad;
            xs[j] = (rem % outW) * stride - pad;
        }
        int taps = kh * kw, c = k0 / taps, t = k0 % taps, dy = t / kw, dx = t % kw;
        for (int k = 0; k < kc; k++, d += R) {
            for (int j = 0; j < n; j++) {
                int y = ys[j] + dy, x = xs[j] + dx;
                dst[d + j] = y >= 0 && y < height && x >= 0 && x < width ? in[src[j] + c * plane + y * width + x] : 0f;
            }
            for (int j = n; j < lanes; j++) dst[d + j] = 0f;
            if (++dx == kw) { dx = 0; if (++dy == kh) { dy = 0; c++; } }
        }
    }

    private static void zero(float[] dst, int d, int lanes, int kc, int R) {
        for (int k = 0; k < kc; k++, d += R) java.util.Arrays.fill(dst, d, d + lanes, 0f);
    }
}
