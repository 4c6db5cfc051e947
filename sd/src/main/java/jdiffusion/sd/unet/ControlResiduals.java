package jdiffusion.sd.unet;

import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * What ControlNets add to a UNet call (diffusers {@code down_block_additional_residuals} /
 * {@code mid_block_additional_residual}): one tensor per skip connection, in push order, added to that skip before
 * it is concatenated on the way up, and one added to the mid block's output. Several ControlNets' residuals are summed.
 */
public record ControlResiduals(List<Tensor> down, Tensor mid) {
    public ControlResiduals {
        down = List.copyOf(down);
    }

    /** {@code this + other}, element by element, as new tensors (neither operand is released). */
    public ControlResiduals plus(Backend backend, ControlResiduals other) {
        if (other.down.size() != down.size())
            throw new UNetException("cannot sum ControlNet residuals of " + down.size() + " and " + other.down.size() + " skip connections (ControlNets of different UNet shapes)");
        List<Tensor> sum = new ArrayList<>();
        for (int i = 0; i < down.size(); i++) sum.add(backend.add(down.get(i), other.down.get(i)));
        return new ControlResiduals(sum, backend.add(mid, other.mid));
    }

    /** Releases every tensor (backend buffers). */
    public void release(Backend backend) {
        down.forEach(backend::release);
        backend.release(mid);
    }
}
