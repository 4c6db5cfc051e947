package jdiffusion.tools.modelfile;

import jdiffusion.tensor.DType;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.tools.CommandException;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The WebUI's checkpoint merger, one tensor at a time so memory holds one tensor of each input beyond what is
 * being written. Weighted sum: {@code (1 − α)·A + α·B}; add difference: {@code A + α·(B − C)}. As in the WebUI,
 * only model weights (names containing "model") present in both are merged, everything else is A's, and keys
 * only B has are dropped. An inpainting A (9 input channels) merged with a normal B merges the first 4 channels.
 */
public final class CheckpointMerger {
    public enum Mode { WEIGHTED_SUM, ADD_DIFFERENCE }

    private CheckpointMerger() {}

    public static void merge(TensorFile a, TensorFile b, TensorFile c, Mode mode, float alpha, DType dtype, Path out, boolean overwrite) {
        if (mode == Mode.ADD_DIFFERENCE && c == null) throw new CommandException("add-difference needs a third model C (A + alpha·(B − C))");
        ModelFamily fa = ModelFamily.of(a.names()), fb = ModelFamily.of(b.names());
        if (fa != fb) throw new CommandException("cannot merge " + a.path().getFileName() + " (" + fa.label() + ") with "
                + b.path().getFileName() + " (" + fb.label() + "): the models are of different families");
        if (c != null && ModelFamily.of(c.names()) != fa)
            throw new CommandException("cannot merge " + c.path().getFileName() + " (" + ModelFamily.of(c.names()).label() + ") into " + fa.label() + " models");
        SafeTensorsWriter w = new SafeTensorsWriter().overwrite(overwrite);
        for (Map.Entry<String, Tensor> e : a.tensors().entrySet()) {
            String name = e.getKey();
            Tensor ta = e.getValue();
            Tensor tb = b.tensors().get(name);
            DType outType = DTypeSink.outputDType(ta, dtype);
            if (!name.contains("model") || tb == null || !ta.dtype().isFloating()) {
                w.add(name, outType, ta.shape(), DTypeSink.convert(ta, outType));
                continue;
            }
            Tensor tc = c == null ? null : c.tensors().get(name);
            checkShapes(name, ta, tb, a, b);
            if (tc != null) checkShapes(name, tb, tc, b, c);
            w.add(name, outType, ta.shape(), sink -> {
                float[] merged = mergeOne(ta, tb, tc, mode, alpha);
                // read once: let the kernel drop these mapped pages, so resident memory stays near one tensor
                for (Tensor t : new Tensor[]{ta, tb, tc}) dropResidentPages(t);
                DTypeSink.writeFloats(sink, merged, outType);
            });
        }
        w.write(out);
    }

    private static void dropResidentPages(Tensor t) {
        if (t != null && t.isHost() && t.host().segment().isMapped()) t.host().segment().unload();
    }

    private static void checkShapes(String name, Tensor x, Tensor y, TensorFile fx, TensorFile fy) {
        if (Arrays.equals(x.shape(), y.shape())) return;
        if (isInpaintingInput(x, y)) return;
        throw new CommandException("cannot merge \"" + name + "\": " + Arrays.toString(x.shape()) + " in " + fx.path().getFileName()
                + " but " + Arrays.toString(y.shape()) + " in " + fy.path().getFileName() + " (different architectures)");
    }

    /** A 9-channel inpainting UNet input conv against a 4-channel one: the WebUI merges the shared channels. */
    private static boolean isInpaintingInput(Tensor x, Tensor y) {
        return x.rank() == 4 && y.rank() == 4 && x.size(0) == y.size(0) && x.size(1) != y.size(1) && x.size(2) == y.size(2);
    }

    static float[] mergeOne(Tensor ta, Tensor tb, Tensor tc, Mode mode, float alpha) {
        float[] x = ta.toFloatArray(), y = tb.toFloatArray();
        float[] z = tc == null ? null : tc.toFloatArray();
        if (!Arrays.equals(ta.shape(), tb.shape())) return mergeSharedChannels(ta, x, tb, y, tc, z, mode, alpha);
        for (int i = 0; i < x.length; i++) x[i] = combine(x[i], y[i], z == null ? 0 : z[i], mode, alpha);
        return x;
    }

    private static float combine(float a, float b, float c, Mode mode, float alpha) {
        return mode == Mode.WEIGHTED_SUM ? (1 - alpha) * a + alpha * b : a + alpha * (b - c);
    }

    private static float[] mergeSharedChannels(Tensor ta, float[] x, Tensor tb, float[] y, Tensor tc, float[] z, Mode mode, float alpha) {
        int out = ta.size(0), ca = ta.size(1), cb = tb.size(1), k = ta.size(2) * ta.size(3), shared = Math.min(ca, cb);
        for (int o = 0; o < out; o++)
            for (int ch = 0; ch < shared; ch++)
                for (int i = 0; i < k; i++) {
                    int ia = (o * ca + ch) * k + i, ib = (o * cb + ch) * k + i;
                    x[ia] = combine(x[ia], y[ib], z == null ? 0 : z[ib], mode, alpha);
                }
        return x;
    }
}
