package jdiffusion.sd.pipeline;

import jdiffusion.sd.sample.ImageNoise;

final class Img2ImgSetup {
    static Img2ImgSetup prepare(StableDiffusionModel model, InitImage init, GenerationParams p, ImageNoise noise, float[] x,
                                int channels, int h, int w, int batch, Progress progress) { throw new PipelineException("img2img: not yet"); }
    float[] sigmas(float[] s, GenerationParams p) { return s; }
    float[] imageConditioning() { return null; }
    int conditioningChannels() { return 0; }
    float[] startLatents(float[] noise, float sigma) { return null; }
    float[] keepMask() { return null; }
    float[] initLatent() { return null; }
    float[] finish(float[] x) { return x; }
}
