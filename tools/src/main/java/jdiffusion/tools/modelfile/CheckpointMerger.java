package jdiffusion.tools.modelfile;

import jdiffusion.tensor.DType;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.tools.CommandException;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * The WebUI's checkpoint merger, one tensor at a time so memory holds one tensor of each input beyond what is
 * being written. Weighted sum: {@code (1 − α)·A + α·B}; add difference: {@code A + α·(B − C)}, where a weight C lacks
 * counts as B − C = 0. As in the WebUI, only model weights (names containing "model") present in both A and B are
 * merged, rounded operation by operation as torch rounds them ({@link TorchRounding}) and kept in the inputs' common
 * dtype; everything else is A's, and keys only B has are dropped. An inpainting (9 input channels) or
 * instruct-pix2pix (8) A merged with a normal B merges the first 4 channels; the other way round is refused.
 */
public final class CheckpointMerger {
    public enum Mode { WEIGHTED_SUM, ADD_DIFFERENCE }

    /** Buffers the WebUI never merges ({@code checkpoint_dict_skip_on_merge}). */
    private static final Set<String> SKIPPED = Set.of("cond_stage_model.transformer.text_model.embeddings.position_ids");

    private CheckpointMerger() {}

    /** @param dtype the output dtype of floating tensors, or null for the WebUI's: A's, or the merge's common dtype */
    public static void merge(TensorFile a, TensorFile b, TensorFile c, Mode mode, double alpha, DType dtype, Path out, boolean overwrite) {
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
            if (!name.contains("model") || tb == null || SKIPPED.contains(name) || !ta.dtype().isFloating() || !tb.dtype().isFloating()) {
                DType outType = DTypeSink.outputDType(ta, dtype);
                w.add(name, outType, ta.shape(), DTypeSink.convert(ta, outType));
                continue;
            }
            Tensor tc = c == null ? null : c.tensors().get(name);
            checkShapes(name, ta, tb, a, b);
            if (tc != null && !Arrays.equals(tb.shape(), tc.shape())) throw mismatch(name, tb, tc, b, c);
            Formula formula = new Formula(mode, alpha, ta.dtype(), tb.dtype(), tc == null ? null : tc.dtype());
            // channels merged into A in place keep A's dtype, as torch's slice assignment leaves them
            DType outType = dtype != null ? dtype : Arrays.equals(ta.shape(), tb.shape()) ? formula.result() : ta.dtype();
            w.add(name, outType, ta.shape(), sink -> {
                float[] values = mergeOne(ta, tb, tc, formula);
                // read once: let the kernel drop these mapped pages, so resident memory stays near one tensor
                for (Tensor t : new Tensor[]{ta, tb, tc}) dropResidentPages(t);
                DTypeSink.writeFloats(sink, values, outType);
            });
        }
        w.write(out);
    }

    private static void dropResidentPages(Tensor t) {
        if (t != null && t.isHost() && t.host().segment().isMapped()) t.host().segment().unload();
    }

    private static void checkShapes(String name, Tensor x, Tensor y, TensorFile fx, TensorFile fy) {
        if (Arrays.equals(x.shape(), y.shape())) return;
        boolean channelsOnly = x.rank() == 4 && y.rank() == 4 && x.size(0) == y.size(0) && x.size(2) == y.size(2) && x.size(3) == y.size(3);
        if (channelsOnly && x.size(1) == 4 && (y.size(1) == 9 || y.size(1) == 8)) {
            String kind = y.size(1) == 9 ? "an inpainting" : "an instruct-pix2pix";
            throw new CommandException("cannot merge " + fy.path().getFileName() + " into " + fx.path().getFileName() + ": when merging "
                    + kind + " model with a normal one, A must be the " + kind.substring(kind.indexOf(' ') + 1) + " model (swap A and B)");
        }
        if (channelsOnly && (x.size(1) == 9 || x.size(1) == 8) && y.size(1) == 4) return;
        throw mismatch(name, x, y, fx, fy);
    }

    private static CommandException mismatch(String name, Tensor x, Tensor y, TensorFile fx, TensorFile fy) {
        return new CommandException("cannot merge \"" + name + "\": " + Arrays.toString(x.shape()) + " in " + fx.path().getFileName()
                + " but " + Arrays.toString(y.shape()) + " in " + fy.path().getFileName() + " (different architectures)");
    }

    private static float[] mergeOne(Tensor ta, Tensor tb, Tensor tc, Formula f) {
        float[] x = ta.toFloatArray();
        // the WebUI replaces B by zeros where C lacks the weight, so that A comes out unchanged
        float[] y = f.mode() == Mode.ADD_DIFFERENCE && tc == null ? new float[Math.toIntExact(tb.numel())] : tb.toFloatArray();
        float[] z = tc == null ? null : tc.toFloatArray();
        if (!Arrays.equals(ta.shape(), tb.shape())) return mergeSharedChannels(ta, x, tb, y, z, f);
        for (int i = 0; i < x.length; i++) x[i] = f.apply(x[i], y[i], z == null ? 0 : z[i]);
        return x;
    }

    /**
     * One element of the WebUI's formula with torch's dtypes: the Python float α (and 1 − α, computed in double)
     * meets each tensor as a float scalar; every product, difference and sum is rounded to its operands' dtype.
     */
    private record Formula(Mode mode, float wa, float wb, DType ta, DType tb, DType diff, DType result) {
        Formula(Mode mode, double alpha, DType ta, DType tb, DType tc) {
            this(mode, (float) (1 - alpha), (float) alpha, ta, tb, tc == null ? tb : TorchRounding.common(tb, tc),
                    TorchRounding.common(ta, tc == null ? tb : TorchRounding.common(tb, tc)));
        }

        /** {@code c} is C's element, or 0 where C lacks the weight (B − C is then zeros of B's dtype). */
        float apply(float a, float b, float c) {
            if (mode == Mode.WEIGHTED_SUM)
                return TorchRounding.round(TorchRounding.round(wa * a, ta) + TorchRounding.round(wb * b, tb), result);
            float d = TorchRounding.round(b - c, diff);
            return TorchRounding.round(a + TorchRounding.round(wb * d, diff), result);
        }
    }

    /** A's first channels merged with B's in place: the values stay in A's dtype, as torch's slice assignment leaves them. */
    private static float[] mergeSharedChannels(Tensor ta, float[] x, Tensor tb, float[] y, float[] z, Formula f) {
        int out = ta.size(0), ca = ta.size(1), cb = tb.size(1), k = ta.size(2) * ta.size(3);
        for (int o = 0; o < out; o++)
            for (int ch = 0; ch < cb; ch++)
                for (int i = 0; i < k; i++) {
                    int ia = (o * ca + ch) * k + i, ib = (o * cb + ch) * k + i;
                    x[ia] = TorchRounding.round(f.apply(x[ia], y[ib], z == null ? 0 : z[ib]), ta.dtype());
                }
        return x;
    }
}
