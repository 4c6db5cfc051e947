package jdiffusion.sd.upscale;

import jdiffusion.nn.WeightSource;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.ckpt.CheckpointException;
import jdiffusion.tensor.ckpt.CheckpointFiles;
import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.tensor.ckpt.TorchCheckpoint;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * An upscaler model file (ESRGAN old or new arch, Real-ESRGAN x4plus/x2plus, Real-ESRGAN Compact) loaded as
 * spandrel loads it for the WebUI: the state dict unwrapped, the architecture told from its keys, the
 * hyper-parameters from the shapes. {@link #upscale} is spandrel's {@code ImageModelDescriptor.__call__}.
 *
 * <pre>{@code
 * try (UpscaleModel m = UpscaleModel.load(Path.of("models/ESRGAN/4x-UltraSharp.pth"), backend)) {
 *     Tensor big = m.upscale(backend, image);   // [1, 3, H, W] in [0, 1] -> [1, 3, H·4, W·4]
 * }
 * }</pre>
 *
 * The weights stay memory-mapped in the file's dtype until {@link #close}.
 */
public final class UpscaleModel implements AutoCloseable {
    private final TensorFile file;
    private final String architecture;
    private final int scale, multipleOf, minimum;
    private final UpscaleNetwork network;

    private UpscaleModel(TensorFile file, String architecture, int scale, int multipleOf, int minimum, UpscaleNetwork network) {
        this.file = file;
        this.architecture = architecture;
        this.scale = scale;
        this.multipleOf = multipleOf;
        this.minimum = minimum;
        this.network = network;
    }

    /** Reads {@code path} ({@code .pth} through the restricted unpickler, or {@code .safetensors}); {@link UpscalerException} when jsd cannot run it. */
    public static UpscaleModel load(Path path, Backend backend) {
        TensorFile file;
        try {
            file = CheckpointFiles.open(path);
        } catch (CheckpointException e) {
            throw new UpscalerException(e.getMessage(), e);
        }
        try {
            Map<String, Tensor> state = file instanceof TorchCheckpoint ckpt
                    ? UpscalerStateDict.canonical(ckpt.root())
                    : UpscalerStateDict.withoutCommonPrefixes(file.tensors());
            return build(path.toString(), file, state, backend);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** The model of canonical weights {@code state} ({@code file}, closed with the model, may be null for weights held elsewhere). */
    static UpscaleModel build(String source, TensorFile file, Map<String, Tensor> state, Backend backend) {
        if (state.isEmpty())
            throw new UpscalerException(source + ": no weights found (not an upscaler model file)");
        if (CompactConfig.matches(state)) {
            CompactConfig c = CompactConfig.of(state, source);
            return new UpscaleModel(file, "Compact", c.scale(), 1, 0, new CompactNet(backend, new Weights(source(state)).child("body"), c));
        }
        String other = OtherArchitectures.beforeEsrgan(state);
        if (other == null && isEsrgan(state)) {
            Map<String, Tensor> old = EsrganConfig.toOldArch(state);
            EsrganConfig c = EsrganConfig.of(old, source);
            return new UpscaleModel(file, "ESRGAN", c.scale(), c.multipleOf(), c.minimum(), new RrdbNet(backend, new Weights(source(old)).child("model"), c));
        }
        if (other == null) other = OtherArchitectures.afterEsrgan(state);
        if (other != null)
            throw new UpscalerException(source + ": a " + other + " model, an architecture jsd does not run yet (it runs ESRGAN, Real-ESRGAN and Real-ESRGAN Compact models)");
        throw new UpscalerException(source + ": unknown upscaler architecture (keys such as " + state.keySet().stream().limit(3).toList()
                + "); jsd runs ESRGAN, Real-ESRGAN and Real-ESRGAN Compact models");
    }

    /** spandrel's ESRGAN key test: old arch, BasicSR, the 2019 ESRGAN repo / BSRGAN, or ESRGAN+. */
    private static boolean isEsrgan(Map<String, Tensor> s) {
        Set<String> k = s.keySet();
        return k.containsAll(Set.of("model.0.weight", "model.1.sub.0.RDB1.conv1.0.weight"))
                || k.containsAll(Set.of("conv_first.weight", "body.0.rdb1.conv1.weight", "conv_body.weight", "conv_last.weight"))
                || k.containsAll(Set.of("conv_first.weight", "RRDB_trunk.0.RDB1.conv1.weight", "trunk_conv.weight", "conv_last.weight"))
                || k.containsAll(Set.of("model.0.weight", "model.1.sub.0.RDB1.conv1x1.weight"));
    }

    private static WeightSource source(Map<String, Tensor> state) {
        return new WeightSource() {
            @Override public Tensor find(String key) { return state.get(key); }

            @Override public Set<String> keys() { return state.keySet(); }
        };
    }

    /** spandrel's architecture id: "ESRGAN" or "Compact". */
    public String architecture() { return architecture; }

    /** How many times larger the output is. */
    public int scale() { return scale; }

    /**
     * {@code image [1, 3, H, W]} with values in [0, 1] upscaled: padded right and bottom to the model's size
     * requirement (reflect, then replicate beyond what reflection can reach), run, clamped to [0, 1] and cropped
     * back to {@code H·scale × W·scale}.
     */
    public Tensor upscale(Backend backend, Tensor image) {
        int h = image.size(2), w = image.size(3);
        int padH = padding(h), padW = padding(w);
        Tensor input = padH == 0 && padW == 0 ? image : backend.fromFloats(
                ImagePadding.reflectThenReplicate(backend.toFloatArray(image), image.size(0) * image.size(1), h, w, padH, padW),
                image.size(0), image.size(1), h + padH, w + padW);
        Tensor raw = network.forward(backend, input);
        if (input != image) backend.release(input);
        Tensor clamped = backend.clamp(raw, 0f, 1f);
        backend.release(raw);
        if (padH == 0 && padW == 0) return clamped;
        Tensor cropped = backend.contiguous(clamped.narrow(2, 0, h * scale).narrow(3, 0, w * scale));
        backend.release(clamped);
        return cropped;
    }

    private int padding(int size) {
        int s = Math.max(minimum, size);
        if (s % multipleOf != 0) s = (s / multipleOf + 1) * multipleOf;
        return s - size;
    }

    @Override public void close() { if (file != null) file.close(); }
}
