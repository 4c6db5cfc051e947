package jdiffusion.sd.pipeline;

import jdiffusion.sd.image.InfoText;

/**
 * One finished image: RGB bytes (row-major, 3 per pixel), its seed and its WebUI infotext.
 */
public record GeneratedImage(byte[] rgb, int width, int height, long seed, long subseed, InfoText info) {}
