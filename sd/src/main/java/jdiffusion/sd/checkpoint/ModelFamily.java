package jdiffusion.sd.checkpoint;

/** Stable Diffusion generations this engine runs. */
public enum ModelFamily {
    /** SD 1.x: OpenAI CLIP ViT-L/14 text encoder, context 768, 8 heads per transformer. */
    SD1,
    /** SD 2.x: OpenCLIP ViT-H/14 (penultimate layer), context 1024, head dim 64, linear projections. */
    SD2
}
