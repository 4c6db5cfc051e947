package jdiffusion.sd.controlnet;

import jdiffusion.nn.Conv2d;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * diffusers {@code ControlNetConditioningEmbedding} (ldm {@code input_hint_block}): 3x3 convs from the control image
 * in pixel space down to the latent grid and {@code model_channels}, SiLU after each but the last
 * ({@code conv_out}, a zero conv in a freshly made ControlNet). Strides as {@link ControlNetConfig#hintStride}.
 */
final class HintEncoder {
    private final List<Conv2d> convs = new ArrayList<>();

    HintEncoder(Backend backend, Weights w, ControlNetConfig config) {
        int last = config.hintChannels().size() - 1;
        for (int k = 0; k <= last; k++) {
            Weights conv = k == 0 ? w.child("conv_in") : k == last ? w.child("conv_out") : w.child("blocks").child(k - 1);
            convs.add(new Conv2d(backend, conv, config.hintStride(k), 1));
        }
    }

    /** {@code [B, 3, H, W]} in [0, 1] to {@code [B, C, H/f, W/f]}; reports each conv's output before its SiLU. */
    Tensor forward(Backend backend, Tensor hint, BiConsumer<String, Tensor> report) {
        Tensor x = hint;
        int last = convs.size() - 1;
        for (int k = 0; k <= last; k++) {
            Tensor h = convs.get(k).forward(backend, x);
            if (x != hint) backend.release(x);
            if (k == last) {
                report.accept("hint_embedding", h);
                return h;
            }
            report.accept(k == 0 ? "hint_embedding.conv_in" : "hint_embedding.blocks." + (k - 1), h);
            x = backend.silu(h);
            backend.release(h);
        }
        throw new AssertionError("a hint encoder has at least two convs");
    }
}
