package jdiffusion.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Stride-1 convolution to only a few output channels (the VAE's 128 -> 3 {@code conv_out}, the UNet's
 * 320 -> 4), computed directly: each output row is accumulated in place from shifted input rows, one
 * multiply-add per weight and pixel. As a GEMM the few channels would fill half a micro-tile while the
 * whole patch matrix still had to be packed, which made such a conv cost as much as a hundred-channel one.
 */
final class FewOutputConv {
    /** Output channels up to which the direct form beats the GEMM. */
    static final int MAX_OUTPUTS = 4;
    private static final VectorSpecies<Float> S = MicroKernel.SPECIES;

    private FewOutputConv() {}

    /**
     * {@code out[b, o, oy, ox] = bias[o] + sum w[o, c, dy, dx] · in[b, c, oy + dy - pad, ox + dx - pad]} (zero outside),
     * for contiguous NCHW {@code in[inBase ..]} and F32 weights {@code [o, c, kh, kw]}.
     */
    static void run(Parallel parallel, float[] in, int inBase, int batch, int c, int h, int w, float[] weights, float[] bias,
                    int o, int kh, int kw, int pad, float[] out, int oh, int ow) {
        int lanes = S.length();
        parallel.forRange(batch * oh, 4, (from, to) -> {
            for (int r = from; r < to; r++) {
                int b = r / oh, oy = r % oh;
                for (int oc = 0; oc < o; oc++) {
                    int row = ((b * o + oc) * oh + oy) * ow;
                    java.util.Arrays.fill(out, row, row + ow, bias == null ? 0f : bias[oc]);
                }
                for (int ci = 0; ci < c; ci++)
                    for (int dy = 0; dy < kh; dy++) {
                        int y = oy + dy - pad;
                        if (y < 0 || y >= h) continue;
                        int inRow = inBase + ((b * c + ci) * h + y) * w;
                        for (int dx = 0; dx < kw; dx++) {
                            int shift = dx - pad, x0 = Math.max(0, -shift), x1 = Math.min(ow, w - shift);
                            for (int oc = 0; oc < o; oc++) {
                                float wv = weights[((oc * c + ci) * kh + dy) * kw + dx];
                                int row = ((b * o + oc) * oh + oy) * ow, src = inRow + shift;
                                FloatVector wb = FloatVector.broadcast(S, wv);
                                int x = x0;
                                for (; x + lanes <= x1; x += lanes)
                                    wb.fma(FloatVector.fromArray(S, in, src + x), FloatVector.fromArray(S, out, row + x))
                                            .intoArray(out, row + x);
                                for (; x < x1; x++) out[row + x] += wv * in[src + x];
                            }
                        }
                    }
            }
        });
    }
}
