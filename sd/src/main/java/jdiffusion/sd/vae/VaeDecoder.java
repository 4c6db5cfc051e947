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
 * Latent {@code [B, latent, h, w]} (after {@code post_quant_conv}) to image {@code [B, 3, h·f, w·f]}: conv_in,
 * mid block, up blocks from the deepest level (ResNets, then a 2x upsample in all but the last), norm+SiLU, conv_out.
 */
final class VaeDecoder {
    private final Conv2d convIn, convOut;
    private final VaeMidBlock mid;
    private final List<List<VaeResnetBlock>> resnets = new ArrayList<>();
    private final List<Upsample> upsamplers = new ArrayList<>();
    private final GroupNorm normOut;

    VaeDecoder(Backend backend, Weights w, VaeConfig c) {
        this.convIn = new Conv2d(backend, w.child("conv_in"));
        this.mid = new VaeMidBlock(backend, w.child("mid_block"), c);
        for (int u = 0; u < c.levels(); u++) {
            Weights block = w.child("up_blocks").child(u);
            List<VaeResnetBlock> level = new ArrayList<>();
            for (int j = 0; j <= c.layersPerBlock(); j++) level.add(new VaeResnetBlock(backend, block.child("resnets").child(j), c));
            resnets.add(level);
            upsamplers.add(u < c.levels() - 1 ? new Upsample(backend, block.child("upsamplers").child(0)) : null);
        }
        this.normOut = new GroupNorm(backend, w.child("conv_norm_out"), c.normGroups(), c.normEps());
        this.convOut = new Conv2d(backend, w.child("conv_out"));
    }

    Tensor forward(Backend b, Tensor z, BiConsumer<String, Tensor> tap) {
        Tensor x = convIn.forward(b, z);
        tap.accept("decoder.conv_in", x);
        x = mid.forward(b, x);
        tap.accept("decoder.mid_block", x);
        for (int u = 0; u < resnets.size(); u++) {
            for (VaeResnetBlock r : resnets.get(u)) x = r.forward(b, x);
            if (upsamplers.get(u) != null) x = upsamplers.get(u).forward(b, x);
            tap.accept("decoder.up_blocks." + u, x);
        }
        return convOut.forward(b, normOut.forwardSilu(b, x));
    }
}
