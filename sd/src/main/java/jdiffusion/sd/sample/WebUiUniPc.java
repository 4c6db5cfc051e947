package jdiffusion.sd.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The WebUI's UniPC ({@code modules/models/diffusion/uni_pc}, multistep, data prediction) with the
 * WebUI's default options: variant bh1, order 3, "time_uniform" skip type, lower order final. Time runs
 * continuously from 1 (or the img2img start) to 1/N; the model sees {@code (t - 1/N) * 1000}. One model
 * call per step: each corrector's evaluation is reused as the next predictor's history.
 *
 * <p>The WebUI refuses an order above the number of steps; here the order is lowered to the step count.
 */
public final class WebUiUniPc implements TimestepSampler {
    private final NoiseSchedule schedule;
    private final VpNoiseSchedule ns;
    private final boolean bh2;
    private final int order;
    private final String skipType;
    private final boolean lowerOrderFinal;
    private Float tStart;

    public WebUiUniPc(NoiseSchedule schedule) { this(schedule, "bh1", 3, "time_uniform", true); }

    public WebUiUniPc(NoiseSchedule schedule, String variant, int order, String skipType, boolean lowerOrderFinal) {
        this.schedule = schedule;
        this.ns = new VpNoiseSchedule(schedule);
        this.bh2 = switch (variant.toLowerCase(Locale.ROOT)) {
            case "bh1" -> false;
            case "bh2" -> true;
            default -> throw new SamplingException("unsupported UniPC variant '" + variant + "': use bh1 or bh2");
        };
        if (order < 1 || order > 3) throw new SamplingException("UniPC order must be 1, 2 or 3, got " + order);
        this.order = order;
        if (!skipType.equals("time_uniform") && !skipType.equals("time_quadratic"))
            throw new SamplingException("unsupported UniPC skip type '" + skipType + "': use time_uniform or time_quadratic");
        this.skipType = skipType;
        this.lowerOrderFinal = lowerOrderFinal;
    }

    public NoiseSchedule schedule() { return schedule; }

    /** img2img: start at the continuous time of the last scheduled timestep, {@code t/1000 + 1/1000}. */
    public WebUiUniPc startingAt(int lastTimestep) {
        WebUiUniPc u = new WebUiUniPc(schedule, bh2 ? "bh2" : "bh1", order, skipType, lowerOrderFinal);
        u.tStart = (float) lastTimestep / 1000f + 1f / 1000f;
        return u;
    }

    @Override
    public float[] sample(ModelFunction eps, float[] x, int[] timesteps, NoiseSampler noise, StepListener listener) {
        int steps = timesteps.length;
        int ord = Math.min(order, steps);
        float tT = tStart != null ? tStart : 1f;
        float t0 = 1f / ns.totalN;
        float[] ts = timeSteps(tT, t0, steps);
        int[] index = {0};
        List<float[]> models = new ArrayList<>();
        List<Float> times = new ArrayList<>();
        models.add(dataPrediction(eps, x, ts[0]));
        times.add(ts[0]);
        for (int initOrder = 1; initOrder < ord; initOrder++) {
            float t = ts[initOrder];
            Update u = update(eps, x, models, times, t, initOrder, true);
            x = u.x;
            listener.onStep(index[0]++, x, 0f, 0f, u.model);
            models.add(u.model);
            times.add(t);
        }
        for (int step = ord; step <= steps; step++) {
            float t = ts[step];
            int stepOrder = lowerOrderFinal ? Math.min(ord, steps + 1 - step) : ord;
            boolean corrector = step != steps;
            Update u = update(eps, x, models, times, t, stepOrder, corrector);
            x = u.x;
            listener.onStep(index[0]++, x, 0f, 0f, u.model != null ? u.model : x);
            for (int i = 0; i < ord - 1; i++) {
                times.set(i, times.get(i + 1));
                models.set(i, models.get(i + 1));
            }
            times.set(ord - 1, t);
            if (step < steps) models.set(ord - 1, u.model != null ? u.model : dataPrediction(eps, x, t));
        }
        return x;
    }

    private float[] timeSteps(float tT, float t0, int n) {
        if (skipType.equals("time_uniform")) return TorchMath.linspace(tT, t0, n + 1);
        float[] r = TorchMath.linspace((float) Math.sqrt(tT), (float) Math.sqrt(t0), n + 1);
        for (int i = 0; i < r.length; i++) r[i] = r[i] * r[i];
        return r;
    }

    private float[] dataPrediction(ModelFunction eps, float[] x, float t) {
        float tInput = (t - 1f / ns.totalN) * 1000f;
        float[] e = eps.predict(x, tInput);
        float a = ns.alpha(t), s = ns.std(t);
        float[] x0 = new float[x.length];
        for (int i = 0; i < x0.length; i++) x0[i] = (x[i] - s * e[i]) / a;
        return x0;
    }

    private record Update(float[] x, float[] model) {}

    private Update update(ModelFunction eps, float[] x, List<float[]> models, List<Float> times, float t, int order, boolean useCorrector) {
        int n = models.size();
        float tPrev0 = times.get(n - 1);
        float lambdaPrev0 = ns.lambda(tPrev0), lambdaT = ns.lambda(t);
        float[] m0 = models.get(n - 1);
        float sigmaPrev0 = ns.std(tPrev0), sigmaT = ns.std(t);
        float alphaT = (float) Math.exp(ns.logMeanCoeff(t));
        float h = lambdaT - lambdaPrev0;

        float[] rks = new float[order];
        List<float[]> d1s = new ArrayList<>();
        for (int i = 1; i < order; i++) {
            float rk = (ns.lambda(times.get(n - 1 - i)) - lambdaPrev0) / h;
            rks[i - 1] = rk;
            float[] mi = models.get(n - 1 - i);
            float[] d = new float[x.length];
            for (int k = 0; k < d.length; k++) d[k] = (mi[k] - m0[k]) / rk;
            d1s.add(d);
        }
        rks[order - 1] = 1f;

        float hh = -h;
        float hPhi1 = (float) Math.expm1(hh);
        float hPhiK = hPhi1 / hh - 1f;
        float bH = bh2 ? (float) Math.expm1(hh) : hh;
        float[][] r = new float[order][order];
        float[] b = new float[order];
        int factorial = 1;
        for (int i = 1; i <= order; i++) {
            for (int j = 0; j < order; j++) r[i - 1][j] = (float) Math.pow(rks[j], i - 1);
            b[i - 1] = hPhiK * factorial / bH;
            factorial *= (i + 1);
            hPhiK = hPhiK / hh - 1f / factorial;
        }

        float ratio = sigmaT / sigmaPrev0;
        float c = alphaT * hPhi1;
        float cb = alphaT * bH;
        float[] xt_ = new float[x.length];
        for (int k = 0; k < x.length; k++) xt_[k] = ratio * x[k] - c * m0[k];

        float[] xt = xt_;
        if (!d1s.isEmpty()) {
            float[] rhosP = order == 2 ? new float[]{0.5f} : SmallLinearSolve.solve(sub(r, order - 1), java.util.Arrays.copyOf(b, order - 1));
            float[] pred = combine(rhosP, d1s, x.length, rhosP.length);
            xt = new float[x.length];
            for (int k = 0; k < x.length; k++) xt[k] = xt_[k] - cb * pred[k];
        }
        if (!useCorrector) return new Update(xt, null);

        float[] modelT = dataPrediction(eps, xt, t);
        float[] rhosC = order == 1 ? new float[]{0.5f} : SmallLinearSolve.solve(r, b);
        float[] corr = d1s.isEmpty() ? null : combine(rhosC, d1s, x.length, rhosC.length - 1);
        float last = rhosC[rhosC.length - 1];
        float[] out = new float[x.length];
        for (int k = 0; k < x.length; k++) {
            float d1t = modelT[k] - m0[k];
            float cr = corr != null ? corr[k] : 0f;
            out[k] = xt_[k] - cb * (cr + last * d1t);
        }
        return new Update(out, modelT);
    }

    private static float[][] sub(float[][] m, int n) {
        float[][] s = new float[n][n];
        for (int i = 0; i < n; i++) System.arraycopy(m[i], 0, s[i], 0, n);
        return s;
    }

    private static float[] combine(float[] rhos, List<float[]> d, int len, int count) {
        float[] out = new float[len];
        for (int j = 0; j < count; j++) {
            float[] dj = d.get(j);
            for (int k = 0; k < len; k++) out[k] = j == 0 ? rhos[0] * dj[k] : out[k] + rhos[j] * dj[k];
        }
        return out;
    }
}
