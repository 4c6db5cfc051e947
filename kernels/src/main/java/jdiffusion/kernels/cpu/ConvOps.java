package jdiffusion.kernels.cpu;

import jdiffusion.kernels.Shapes;
import jdiffusion.tensor.Tensor;

import java.util.Arrays;

/**
 * 2-D convolution as implicit GEMM on {@link Sgemm}: per image, {@code out (O x OH*OW) = W (O x C*kh*kw) ·
 * patches (C*kh*kw x OH*OW)}, the patch panels cut straight from the NCHW input by {@link ConvPatches}, the
 * bias added in the GEMM's store. The result lands directly in NCHW order. Small images of a batch are
 * multiplied together (one weight packing for all), their output rows then moved into NCHW order.
 */
final class ConvOps {
    /** Output pixels per image below which a batch is folded into one GEMM. */
    private static final int FOLD_BELOW_PIXELS = 1024;

    private ConvOps() {}

    static Tensor conv2d(Parallel parallel, Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        if (x.rank() != 4 || weight.rank() != 4)
            throw new IllegalArgumentException("conv2d: need x [B,C,H,W] and weight [O,C,kh,kw], got " + x + " and " + weight);
        int bsz = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        int o = weight.size(0), kh = weight.size(2), kw = weight.size(3);
        if (weight.size(1) != c)
            throw new IllegalArgumentException("conv2d: input has " + c + " channels, weight " + Arrays.toString(weight.shape()));
        if (stride < 1 || padding < 0) throw new IllegalArgumentException("conv2d: stride " + stride + ", padding " + padding);
        int oh = Shapes.convOut(h, kh, stride, padding), ow = Shapes.convOut(w, kw, stride, padding);
        if (oh <= 0 || ow <= 0)
            throw new IllegalArgumentException("conv2d: " + kh + "x" + kw + " kernel does not fit " + h + "x" + w + " with padding " + padding);
        if (bias != null && bias.numel() != o)
            throw new IllegalArgumentException("conv2d: bias " + Arrays.toString(bias.shape()) + " for " + o + " outputs");
        int pixels = oh * ow;
        float[] out = new float[Math.multiplyExact(Math.multiplyExact(bsz, o), pixels)];
        if (out.length == 0) return Tensor.of(out, bsz, o, oh, ow);

        Tensor xs = LinearOps.asHeapF32(x);
        if (!xs.isContiguous()) xs = Tensor.of(xs.toFloatArray(), xs.shape());
        float[] in = xs.host().floats();
        int inBase = Math.toIntExact(xs.offset());
        int imageSize = c * h * w;
        if (o <= FewOutputConv.MAX_OUTPUTS && stride == 1) {
            float[] wf = weight.toFloatArray();
            FewOutputConv.run(parallel, in, inBase, bsz, c, h, w, wf, bias == null ? null : bias.toFloatArray(),
                    o, kh, kw, padding, out, oh, ow);
            return Tensor.of(out, bsz, o, oh, ow);
        }
        Tensor wc = weight.isContiguous() ? weight : weight.isHost() ? weight.contiguous() : Tensor.of(weight.toFloatArray(), weight.shape());
        PanelSource a = LinearOps.weightPanels(wc.reshape(o, c * kh * kw));
        float[] rowBias = bias == null ? null : bias.toFloatArray();

        if (bsz == 1 || pixels >= FOLD_BELOW_PIXELS) {
            for (int b = 0; b < bsz; b++) {
                PanelSource patches = new ConvPatches(in, inBase + b * imageSize, 1, c, h, w, kh, kw, stride, padding);
                Sgemm.multiply(parallel, a, patches, Sgemm.Output.rowMajor(out, b * o * pixels, pixels), rowBias, null);
            }
        } else {
            PanelSource patches = new ConvPatches(in, inBase, bsz, c, h, w, kh, kw, stride, padding);
            float[] folded = new float[out.length];
            int ld = bsz * pixels;
            Sgemm.multiply(parallel, a, patches, Sgemm.Output.rowMajor(folded, 0, ld), rowBias, null);
            for (int b = 0; b < bsz; b++)
                for (int oc = 0; oc < o; oc++)
                    System.arraycopy(folded, oc * ld + b * pixels, out, (b * o + oc) * pixels, pixels);
        }
        return Tensor.of(out, bsz, o, oh, ow);
    }
}
