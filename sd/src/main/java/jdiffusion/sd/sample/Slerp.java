package jdiffusion.sd.sample;

/**
 * The WebUI's {@code slerp(val, low, high)} for variation seeds, applied to one image's noise of shape
 * {@code [C, H, W]}. As in the WebUI the vectors being interpolated are the columns along dimension 1
 * (H) of each channel, one angle per (channel, column), and when the columns are almost parallel on
 * average it falls back to {@code low*val + high*(1-val)} (sic: the weights are as the WebUI has them).
 */
public final class Slerp {
    private Slerp() {}

    public static float[] slerp(float val, float[] low, float[] high, int channels, int height, int width) {
        int n = channels * height * width;
        if (low.length != n || high.length != n)
            throw new SamplingException("slerp needs two [" + channels + "," + height + "," + width + "] tensors, got "
                    + low.length + " and " + high.length + " values");
        float[] dot = new float[channels * width];
        double dotSum = 0;
        for (int c = 0; c < channels; c++) {
            for (int w = 0; w < width; w++) {
                float nl = 0, nh = 0;
                for (int h = 0; h < height; h++) {
                    int i = (c * height + h) * width + w;
                    nl += low[i] * low[i];
                    nh += high[i] * high[i];
                }
                nl = TorchMath.sqrt(nl);
                nh = TorchMath.sqrt(nh);
                float d = 0;
                for (int h = 0; h < height; h++) {
                    int i = (c * height + h) * width + w;
                    d += (low[i] / nl) * (high[i] / nh);
                }
                dot[c * width + w] = d;
                dotSum += d;
            }
        }
        float[] out = new float[n];
        if (dotSum / dot.length > 0.9995) {
            for (int i = 0; i < n; i++) out[i] = low[i] * val + high[i] * (1f - val);
            return out;
        }
        for (int c = 0; c < channels; c++) {
            for (int w = 0; w < width; w++) {
                float omega = (float) Math.acos(dot[c * width + w]);
                float so = (float) Math.sin(omega);
                float a = (float) Math.sin((1f - val) * omega) / so;
                float b = (float) Math.sin(val * omega) / so;
                for (int h = 0; h < height; h++) {
                    int i = (c * height + h) * width + w;
                    out[i] = a * low[i] + b * high[i];
                }
            }
        }
        return out;
    }
}
