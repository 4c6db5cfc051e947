package jdiffusion.sd.checkpoint;

import jdiffusion.nn.WeightSource;
import jdiffusion.nn.Weights;
import jdiffusion.sd.unet.UNet;
import jdiffusion.sd.unet.UNetConfig;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.Arrays;

/**
 * Tells a v-prediction SD2 UNet from an epsilon one when no yaml says which, the way A1111 does: run the UNet at
 * t = 999 on a constant 0.5 latent {@code [1, 4, 8, 8]} with a constant 0.5 context of 2 tokens; a v-model's output
 * minus its input averages below -1, an epsilon model's does not.
 */
public final class PredictionProbe {
    private PredictionProbe() {}

    /** Whether {@code config}'s prediction type came from neither a yaml nor diffusers configs and could be v. */
    public static boolean needed(ModelConfig config) {
        return config.predictionGuessed() && config.family() == ModelFamily.SD2 && config.variant() == ModelVariant.TEXT_TO_IMAGE;
    }

    /** {@code config} with its prediction type probed when {@link #needed}; otherwise {@code config} itself. */
    public static ModelConfig resolve(ModelConfig config, WeightSource unetWeights, Backend backend) {
        if (!needed(config)) return config;
        return config.withPredictionType(meanOutputMinusInput(config.unet(), unetWeights, backend) < -1 ? "v_prediction" : "epsilon");
    }

    /** {@code mean(unet(x, 999, c) - x)} for {@code x = 0.5}, {@code c = 0.5} (A1111's statistic). */
    static double meanOutputMinusInput(UNetConfig config, WeightSource unetWeights, Backend backend) {
        UNet unet = new UNet(backend, new Weights(unetWeights), config);
        float[] x = new float[config.inChannels() * 8 * 8];
        Arrays.fill(x, 0.5f);
        float[] context = new float[2 * config.contextDim()];
        Arrays.fill(context, 0.5f);
        Tensor sample = backend.fromFloats(x, 1, config.inChannels(), 8, 8);
        float[] out = backend.toFloatArray(unet.forward(sample, new float[] {999f}, backend.fromFloats(context, 1, 2, config.contextDim())));
        double sum = 0;
        for (int i = 0; i < out.length; i++) sum += out[i] - 0.5;
        return sum / out.length;
    }
}
