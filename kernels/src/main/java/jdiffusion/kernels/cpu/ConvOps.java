package jdiffusion.kernels.cpu;

import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.tensor.Tensor;

/** 2-D convolution. (Placeholder: routes to the scalar reference until the Vector API kernels land.) */
final class ConvOps {
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();

    private ConvOps() {}

    static Tensor conv2d(Parallel parallel, Tensor x, Tensor weight, Tensor bias, int stride, int padding) { return REFERENCE.conv2d(x, weight, bias, stride, padding); }
}
