package jdiffusion.sd.upscale;

import jdiffusion.nn.Conv2d;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/**
 * ESRGAN's RRDBNet in the old-arch layout spandrel runs (every layout is renamed to it first, see
 * {@link EsrganConfig}): {@code model.0} first conv; {@code model.1} the shortcut around the RRDB trunk
 * ({@code model.1.sub.0 … nb-1}) and the trunk conv ({@code model.1.sub.<nb>}); per 2× a nearest upsample and
 * conv {@code model.<3k>} with LeakyReLU; the HR conv with LeakyReLU and the last conv. Real-ESRGAN x2plus
 * pixel-unshuffles its input first, so its network runs at a quarter of the pixels.
 *
 * <pre>
 *   x ─(unshuffle)─ conv_first ─┬─ RRDB × nb ─ trunk conv ─(+)─ [up2× ─ conv ─ lrelu] × n ─ conv_hr ─ lrelu ─ conv_last
 *                               └────────────────────────────┘
 * </pre>
 */
final class RrdbNet implements UpscaleNetwork {
    private final EsrganConfig config;
    private final Conv2d first, trunkConv, hrConv, lastConv;
    private final ResidualInResidualDenseBlock[] trunk;
    private final Conv2d[] upConvs;

    RrdbNet(Backend backend, Weights model, EsrganConfig config) {
        this.config = config;
        this.first = new Conv2d(backend, model.child(0));
        Weights sub = model.child(1).child("sub");
        this.trunk = new ResidualInResidualDenseBlock[config.blocks()];
        for (int i = 0; i < trunk.length; i++) trunk[i] = new ResidualInResidualDenseBlock(backend, sub.child(i));
        this.trunkConv = new Conv2d(backend, sub.child(config.blocks()));
        this.upConvs = new Conv2d[config.upsamples()];
        for (int k = 0; k < upConvs.length; k++) upConvs[k] = new Conv2d(backend, model.child(3 * (k + 1)));
        this.hrConv = new Conv2d(backend, model.child(3 * upConvs.length + 2));
        this.lastConv = new Conv2d(backend, model.child(3 * upConvs.length + 4));
    }

    @Override
    public Tensor forward(Backend backend, Tensor x) {
        Tensor in = config.shuffle() > 1 ? PixelShuffle.unshuffle(backend, x, config.shuffle()) : x;
        Tensor fea = first.forward(backend, in);
        if (in != x) backend.release(in);
        Tensor h = fea;
        for (ResidualInResidualDenseBlock block : trunk) {
            Tensor next = block.forward(backend, h);
            if (h != fea) backend.release(h);
            h = next;
        }
        Tensor trunkOut = trunkConv.forward(backend, h);
        if (h != fea) backend.release(h);
        Tensor f = backend.add(fea, trunkOut);
        backend.release(fea);
        backend.release(trunkOut);
        for (Conv2d up : upConvs) {
            Tensor big = backend.upsampleNearest(f, 2 * f.size(2), 2 * f.size(3));
            backend.release(f);
            f = activate(backend, up.forward(backend, big));
            backend.release(big);
        }
        Tensor hr = activate(backend, hrConv.forward(backend, f));
        backend.release(f);
        Tensor out = lastConv.forward(backend, hr);
        backend.release(hr);
        return out;
    }

    private static Tensor activate(Backend backend, Tensor t) {
        Tensor a = backend.leakyRelu(t, ResidualDenseBlock.LEAKY_SLOPE);
        backend.release(t);
        return a;
    }
}
