package jdiffusion.sd.upscale;

import jdiffusion.tensor.Tensor;

import java.util.Map;

/**
 * SRVGGNetCompact's hyper-parameters from its weights, as spandrel reads them: {@code body.0} gives the width
 * and input channels, the highest {@code body.N} index the conv count, and that last conv's output channels
 * {@code out·scale²} the scale (the first {@code out} of {@code [in, 3, 4, 1]} that leaves a perfect square).
 */
record CompactConfig(int inChannels, int outChannels, int features, int convs, int scale) {
    static boolean matches(Map<String, Tensor> state) { return state.containsKey("body.0.weight") && state.containsKey("body.1.weight"); }

    static CompactConfig of(Map<String, Tensor> state, String source) {
        int highest = UpscalerStateDict.sequenceLength(state, "body") - 1;
        Tensor first = state.get("body.0.weight"), lastBias = state.get("body." + highest + ".bias");
        if (first.rank() != 4 || lastBias == null)
            throw new UpscalerException(source + ": body.0 / body." + highest + " do not look like a Real-ESRGAN Compact model's convolutions");
        int in = first.size(1), x = lastBias.size(0);
        for (int c : new int[] {in, 3, 4, 1}) {
            if (x % c != 0) continue;
            int s = (int) Math.round(Math.sqrt(x / (double) c));
            if (s * s * c == x) return new CompactConfig(in, c, first.size(0), (highest - 2) / 2, s);
        }
        throw new UpscalerException(source + ": the last conv of this Compact model has " + x + " channels, which is no channel count times a square scale");
    }
}
