package jdiffusion.sd.vae;

import jdiffusion.nn.Conv2d;
import jdiffusion.nn.GroupNorm;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Image {@code [B, 3, H, W]} to moments {@code [B, 2·latent, H/f, W/f]} (before {@code quant_conv}):
 * conv_in, per level ResNets then a stride-2 downsample (all but the last level), mid block, norm+SiLU, conv_out.
 */
final class VaeEncoder {
    private final Conv2d convIn, convOut;
    private final List<List<VaeResnetBlock>> resnets = new ArrayList<>();
    private final List<Downsample> downsamplers = new ArrayList<>();
    private final VaeMidBlock mid;
    private final GroupNorm normOut;

    VaeEncoder(Backend backend, Weights w, VaeConfig c) {
        this.convIn = new Conv2d(backend, w.child("conv_in"));
        for (int i = 0; i < c.levels(); i++) {
            Weights block = w.child("down_blocks").child(i);
            List<VaeResnetBlock> level = new ArrayList<>();
            for (int j = 0; j < c.layersPerBlock(); j++) level.add(new VaeResnetBlock(backend, block.child("resnets").child(j), c));
            resnets.add(level);
            downsamplers.add(i < c.levels() - 1 ? new Downsample(backend, block.child("downsamplers").child(0)) : null);
        }
        this.mid = new VaeMidBlock(backend, w.child("mid_block"), c);
        this.normOut = new GroupNorm(backend, w.child("conv_norm_out"), c.normGroups(), c.normEps());
        this.convOut = new Conv2d(backend, w.child("conv_out"));
    }

    Tensor forward(Backend b, Tensor image, BiConsumer<String, Tensor> tap) {
        Tensor x = convIn.forward(b, image);
        for (int i = 0; i < resnets.size(); i++) {
            for (VaeResnetBlock r : resnets.get(i)) x = r.forward(b, x);
            if (downsamplers.get(i) != null) x = downsamplers.get(i).forward(b, x);
            tap.accept("encoder.down_blocks." + i, x);
        }
        x = mid.forward(b, x);
        tap.accept("encoder.mid_block", x);
        return convOut.forward(b, normOut.forwardSilu(b, x));
    }
}
