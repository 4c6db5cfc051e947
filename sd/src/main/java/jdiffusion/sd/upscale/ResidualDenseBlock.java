package jdiffusion.sd.upscale;

import jdiffusion.nn.Conv2d;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/**
 * ESRGAN's residual dense block (old-arch keys {@code RDB<k>.conv<j>.0}): five 3×3 convolutions, each fed the
 * block input concatenated with every earlier output, the last one scaled by 0.2 onto the input.
 */
final class ResidualDenseBlock {
    static final float LEAKY_SLOPE = 0.2f, RESIDUAL_SCALE = 0.2f;

    private final Conv2d[] convs = new Conv2d[5];

    ResidualDenseBlock(Backend backend, Weights w) {
        for (int j = 0; j < 5; j++) convs[j] = new Conv2d(backend, w.child("conv" + (j + 1)).child(0));
    }

    Tensor forward(Backend backend, Tensor x) {
        Tensor[] features = new Tensor[5];
        features[0] = x;
        for (int j = 0; j < 4; j++) {
            Tensor in = j == 0 ? x : backend.concat(1, java.util.Arrays.copyOf(features, j + 1));
            features[j + 1] = backend.leakyRelu(convs[j].forward(backend, in), LEAKY_SLOPE);
            if (in != x) backend.release(in);
        }
        Tensor all = backend.concat(1, features);
        for (int j = 1; j < 5; j++) backend.release(features[j]);
        Tensor x5 = convs[4].forward(backend, all);
        backend.release(all);
        return scaledResidual(backend, x5, x);
    }

    /** {@code branch·0.2 + x}, releasing the branch. */
    static Tensor scaledResidual(Backend backend, Tensor branch, Tensor x) {
        Tensor scaled = backend.scale(branch, RESIDUAL_SCALE);
        backend.release(branch);
        Tensor out = backend.add(scaled, x);
        backend.release(scaled);
        return out;
    }
}
