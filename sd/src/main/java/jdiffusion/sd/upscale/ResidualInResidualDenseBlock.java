package jdiffusion.sd.upscale;

import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/** ESRGAN's RRDB: three residual dense blocks in a row, their result scaled by 0.2 onto the input. */
final class ResidualInResidualDenseBlock {
    private final ResidualDenseBlock[] blocks = new ResidualDenseBlock[3];

    ResidualInResidualDenseBlock(Backend backend, Weights w) {
        for (int k = 0; k < 3; k++) blocks[k] = new ResidualDenseBlock(backend, w.child("RDB" + (k + 1)));
    }

    Tensor forward(Backend backend, Tensor x) {
        Tensor h = x;
        for (ResidualDenseBlock b : blocks) {
            Tensor next = b.forward(backend, h);
            if (h != x) backend.release(h);
            h = next;
        }
        return ResidualDenseBlock.scaledResidual(backend, h, x);
    }
}
