package jdiffusion.sd.pipeline;

/** Placeholder, replaced below. */
public record InitImage(byte[] rgb, int width, int height, byte[] mask) {
    byte[] overlay(byte[] generated, int w, int h) { return generated; }
}
