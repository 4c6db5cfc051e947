package jdiffusion.kernels.cpu;

import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.tensor.Tensor;

/** Nearest upsampling, concatenation, row gathers and contiguous copies. (Placeholder: routes to the scalar reference until the Vector API kernels land.) */
final class LayoutOps {
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    private LayoutOps() {}

    static Tensor upsampleNearest(Parallel parallel, Tensor x, int outH, int outW) { return REFERENCE.upsampleNearest(x, outH, outW); }

    static Tensor concat(Parallel parallel, int dim, Tensor... xs) { return REFERENCE.concat(dim, xs); }

    static Tensor gatherRows(Parallel parallel, Tensor table, int[] ids) { return REFERENCE.gatherRows(table, ids); }

    static Tensor contiguous(Parallel parallel, Tensor t) { return REFERENCE.contiguous(t); }
}
