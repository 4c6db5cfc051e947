package jdiffusion.sd.upscale;

import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

/**
 * torch's {@code pixel_shuffle} / {@code pixel_unshuffle} as strided views made contiguous by the backend:
 * channel {@code c·r² + i·r + j} of the small image holds pixel {@code (r·y + i, r·x + j)} of channel c of the large one.
 */
final class PixelShuffle {
    private PixelShuffle() {}

    /** {@code [B, C·r², H, W] -> [B, C, H·r, W·r]}. */
    static Tensor shuffle(Backend backend, Tensor x, int r) {
        int b = x.size(0), c = x.size(1) / (r * r), h = x.size(2), w = x.size(3);
        Tensor v = backend.contiguous(x).reshape(b, c, r, r, h, w).permute(0, 1, 4, 2, 5, 3);
        return backend.contiguous(v).reshape(b, c, h * r, w * r);
    }

    /** {@code [B, C, H·r, W·r] -> [B, C·r², H, W]}. */
    static Tensor unshuffle(Backend backend, Tensor x, int r) {
        int b = x.size(0), c = x.size(1), h = x.size(2) / r, w = x.size(3) / r;
        Tensor v = backend.contiguous(x).reshape(b, c, h, r, w, r).permute(0, 1, 3, 5, 2, 4);
        return backend.contiguous(v).reshape(b, c * r * r, h, w);
    }
}
