package jdiffusion.sd.sample.diffusers;

import jdiffusion.sd.sample.Prediction;

/** x0 and eps from a model output at cumulative alpha {@code at} (beta_prod {@code bt = 1 - at}), float32. */
final class AlphaMath {
    private AlphaMath() {}

    static void predict(Prediction p, float[] out, float[] sample, float at, float bt, float[] x0, float[] eps) {
        float sa = (float) Math.sqrt(at), sb = (float) Math.sqrt(bt);
        if (p == Prediction.EPSILON) {
            for (int i = 0; i < out.length; i++) {
                x0[i] = (sample[i] - sb * out[i]) / sa;
                eps[i] = out[i];
            }
        } else {
            for (int i = 0; i < out.length; i++) {
                x0[i] = sa * sample[i] - sb * out[i];
                eps[i] = sa * out[i] + sb * sample[i];
            }
        }
    }
}
