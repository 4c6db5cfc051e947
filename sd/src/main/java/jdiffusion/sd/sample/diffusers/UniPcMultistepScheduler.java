package jdiffusion.sd.sample.diffusers;

import jdiffusion.sd.sample.TorchMath;

import jdiffusion.sd.sample.Prediction;

import java.util.function.Supplier;

/**
 * diffusers {@code UniPCMultistepScheduler} with its SD defaults: order 2, bh2, data prediction,
 * lower-order final steps, corrector on every step after the first. Each step first corrects the
 * current sample with the new model output (UniC), then predicts the next one (UniP).
 */
public final class UniPcMultistepScheduler implements TimestepScheduler {
    private static final int SOLVER_ORDER = 2;
    private final MultistepTables tables;
    private final Prediction prediction;
    private final float[][] modelOutputs = new float[SOLVER_ORDER][];
    private float[] lastSample;
    private int lowerOrderNums;
    private int thisOrder;

    public UniPcMultistepScheduler(SchedulerConfig config, int steps) {
        this.tables = MultistepTables.of(config, config.schedule(), steps, true);
        this.prediction = config.prediction();
    }

    @Override public float[] timesteps() { return Tables.toFloat(tables.timesteps()); }
    public float[] sigmas() { return tables.sigmas().clone(); }
    @Override public float initNoiseSigma() { return 1f; }
    @Override public float[] scaleModelInput(float[] sample, int i) { return sample; }

    @Override
    public float[] step(float[] modelOutput, int i, float[] sample, Supplier<float[]> noise) {
        int n = tables.timesteps().length;
        float[] converted = MultistepTables.dataPrediction(prediction, modelOutput, sample, tables.sigmas()[i]);
        if (i > 0 && lastSample != null) sample = corrector(converted, lastSample, sample, thisOrder, i);
        modelOutputs[0] = modelOutputs[1];
        modelOutputs[1] = converted;
        int order = Math.min(SOLVER_ORDER, n - i);
        thisOrder = Math.min(order, lowerOrderNums + 1);
        lastSample = sample;
        float[] prev = predictor(sample, thisOrder, i);
        if (lowerOrderNums < SOLVER_ORDER) lowerOrderNums++;
        return prev;
    }

    /** UniP-bh2: x_t from the sample at step i and the stored data predictions. */
    private float[] predictor(float[] x, int order, int i) {
        float[] sig = tables.sigmas();
        float[] m0 = modelOutputs[1];
        float alphaT = MultistepTables.alpha(sig[i + 1]), sigmaT = sig[i + 1] * alphaT;
        float alphaS0 = MultistepTables.alpha(sig[i]), sigmaS0 = sig[i] * alphaS0;
        float lambdaT = TorchMath.log(alphaT) - TorchMath.log(sigmaT);
        float lambdaS0 = TorchMath.log(alphaS0) - TorchMath.log(sigmaS0);
        float h = lambdaT - lambdaS0;
        float hh = -h;
        float hPhi1 = TorchMath.expm1(hh);
        float bh = TorchMath.expm1(hh);
        float[] d1 = null;
        float rk = 0;
        if (order >= 2) {
            float lambdaS1 = MultistepTables.lambda(sig[i - 1]);
            rk = (lambdaS1 - lambdaS0) / h;
            float[] m1 = modelOutputs[0];
            d1 = new float[x.length];
            for (int k = 0; k < x.length; k++) d1[k] = (m1[k] - m0[k]) / rk;
        }
        float ratio = sigmaT / sigmaS0;
        float c = alphaT * hPhi1;
        float[] out = new float[x.length];
        for (int k = 0; k < x.length; k++) out[k] = ratio * x[k] - c * m0[k];
        if (d1 != null) {
            float rho = 0.5f;
            float cb = alphaT * bh;
            for (int k = 0; k < x.length; k++) out[k] = out[k] - cb * (rho * d1[k]);
        }
        return out;
    }

    /** UniC-bh2: corrects the sample at step i using the new data prediction {@code modelT}. */
    private float[] corrector(float[] modelT, float[] x, float[] xT, int order, int i) {
        float[] sig = tables.sigmas();
        float[] m0 = modelOutputs[1];
        float alphaT = MultistepTables.alpha(sig[i]), sigmaT = sig[i] * alphaT;
        float alphaS0 = MultistepTables.alpha(sig[i - 1]), sigmaS0 = sig[i - 1] * alphaS0;
        float lambdaT = TorchMath.log(alphaT) - TorchMath.log(sigmaT);
        float lambdaS0 = TorchMath.log(alphaS0) - TorchMath.log(sigmaS0);
        float h = lambdaT - lambdaS0;
        float hh = -h;
        float hPhi1 = TorchMath.expm1(hh);
        float hPhiK = hPhi1 / hh - 1f;
        float bh = TorchMath.expm1(hh);
        // b_i = h_phi_k * i! / B_h, h_phi_k <- h_phi_k / hh - 1/(i+1)!
        float b1 = hPhiK * 1f / bh;
        float hPhiK2 = hPhiK / hh - 1f / 2f;
        float b2 = hPhiK2 * 2f / bh;
        float[] d1 = null;
        float rhoD, rhoLast;
        if (order >= 2) {
            float lambdaS1 = MultistepTables.lambda(sig[i - 2]);
            float rk = (lambdaS1 - lambdaS0) / h;
            float[] m1 = modelOutputs[0];
            d1 = new float[x.length];
            for (int k = 0; k < x.length; k++) d1[k] = (m1[k] - m0[k]) / rk;
            // solve [[1, 1], [rk, 1]] rho = [b1, b2]
            float[] rho = jdiffusion.sd.sample.UniPcCoefficients.solve(new float[][]{{1f, 1f}, {rk, 1f}}, new float[]{b1, b2});
            rhoD = rho[0];
            rhoLast = rho[1];
        } else {
            rhoD = 0f;
            rhoLast = 0.5f;
        }
        float ratio = sigmaT / sigmaS0;
        float c = alphaT * hPhi1;
        float cb = alphaT * bh;
        float[] out = new float[x.length];
        for (int k = 0; k < x.length; k++) {
            float xt_ = ratio * x[k] - c * m0[k];
            float corr = d1 != null ? rhoD * d1[k] : 0f;
            float d1t = modelT[k] - m0[k];
            out[k] = xt_ - cb * (corr + rhoLast * d1t);
        }
        return out;
    }
}
