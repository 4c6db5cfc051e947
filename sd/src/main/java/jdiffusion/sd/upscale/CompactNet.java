package jdiffusion.sd.upscale;

import jdiffusion.nn.Conv2d;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/**
 * Real-ESRGAN's SRVGGNetCompact ({@code realesr-general-x4v3}, {@code realesr-animevideov3}): a plain stack of 3×3
 * convolutions with per-channel PReLU ({@code body.0} conv, {@code body.1} PReLU, …), the last conv producing
 * {@code out·s²} channels that are pixel-shuffled and added to the nearest-upsampled input (the net learns a residual).
 */
final class CompactNet implements UpscaleNetwork {
    private final Conv2d[] convs;
    private final Tensor[] slopes;
    private final Conv2d last;
    private final int scale;

    CompactNet(Backend backend, Weights body, CompactConfig config) {
        this.convs = new Conv2d[config.convs() + 1];
        this.slopes = new Tensor[convs.length];
        for (int i = 0; i < convs.length; i++) {
            convs[i] = new Conv2d(backend, body.child(2 * i));
            Tensor slope = body.child(2 * i + 1).get("weight");
            slopes[i] = backend.upload(slope.reshape(1, slope.size(0), 1, 1));
        }
        this.last = new Conv2d(backend, body.child(2 * convs.length));
        this.scale = config.scale();
    }

    @Override
    public Tensor forward(Backend backend, Tensor x) {
        Tensor h = x;
        for (int i = 0; i < convs.length; i++) {
            Tensor c = convs[i].forward(backend, h);
            if (h != x) backend.release(h);
            h = backend.prelu(c, slopes[i]);
            backend.release(c);
        }
        Tensor residual = last.forward(backend, h);
        backend.release(h);
        Tensor shuffled = PixelShuffle.shuffle(backend, residual, scale);
        backend.release(residual);
        Tensor base = backend.upsampleNearest(x, x.size(2) * scale, x.size(3) * scale);
        Tensor out = backend.add(shuffled, base);
        backend.release(shuffled);
        backend.release(base);
        return out;
    }
}
