package jdiffusion.sd.sample.diffusers;

import jdiffusion.sd.sample.TorchMath;

import jdiffusion.sd.sample.Prediction;

import java.util.function.Supplier;

/**
 * diffusers {@code DPMSolverMultistepScheduler} as SD pipelines use it for "DPM++ 2M": dpmsolver++,
 * order 2, midpoint solver, lower-order final steps, final sigma 0 (optionally Karras sigmas).
 */
public final class DpmSolverMultistepScheduler implements TimestepScheduler {
    private final MultistepTables tables;
    private final Prediction prediction;
    private final boolean lowerOrderFinal = true;
    private float[] previousOutput;
    private int lowerOrderNums;

    public DpmSolverMultistepScheduler(SchedulerConfig config, int steps) {
        this.tables = MultistepTables.of(config, config.schedule(), steps, "sigma_min".equals(config.finalSigmasType()));
        this.prediction = config.prediction();
    }

    @Override public float[] timesteps() { return Tables.toFloat(tables.timesteps()); }
    public float[] sigmas() { return tables.sigmas().clone(); }
    @Override public float initNoiseSigma() { return 1f; }
    @Override public float[] scaleModelInput(float[] sample, int i) { return sample; }

    @Override
    public float[] step(float[] modelOutput, int i, float[] sample, Supplier<float[]> noise) {
        int n = tables.timesteps().length;
        float[] sig = tables.sigmas();
        boolean finalZero = sig[sig.length - 1] == 0f;
        boolean lowerFinal = i == n - 1 && ((lowerOrderFinal && n < 15) || finalZero);
        float[] m0 = MultistepTables.dataPrediction(prediction, modelOutput, sample, sig[i]);
        float[] m1 = previousOutput;
        previousOutput = m0;
        float[] out;
        float sigmaT = sig[i + 1], sigmaS0 = sig[i];
        float alphaT = MultistepTables.alpha(sigmaT), sT = sigmaT * alphaT;
        float alphaS0 = MultistepTables.alpha(sigmaS0), sS0 = sigmaS0 * alphaS0;
        float lambdaT = TorchMath.log(alphaT) - TorchMath.log(sT);
        float lambdaS0 = TorchMath.log(alphaS0) - TorchMath.log(sS0);
        float h = lambdaT - lambdaS0;
        float ratio = sT / sS0;
        float c = alphaT * (TorchMath.exp(-h) - 1f);
        out = new float[sample.length];
        if (lowerOrderNums < 1 || lowerFinal || m1 == null) {
            for (int k = 0; k < out.length; k++) out[k] = ratio * sample[k] - c * m0[k];
        } else {
            float sigmaS1 = sig[i - 1];
            float h0 = lambdaS0 - MultistepTables.lambda(sigmaS1);
            float r0 = h0 / h;
            float inv = 1f / r0;
            float half = 0.5f * c;
            for (int k = 0; k < out.length; k++) {
                float d1 = inv * (m0[k] - m1[k]);
                out[k] = ratio * sample[k] - c * m0[k] - half * d1;
            }
        }
        if (lowerOrderNums < 2) lowerOrderNums++;
        return out;
    }
}
