package jdiffusion.sd.controlnet;

/**
 * The inputs of one UNet call, as a ControlNet sees them: latents {@code [rows, channels, h, w]} (host, row-major), the
 * timestep, each row's text conditioning {@code [rows, tokens, dim]}, and which rows are conditional (the rest are
 * unconditional, i.e. the negative prompt).
 */
public record UNetCall(float[] x, int rows, int channels, int height, int width, float t, float[] context, int tokens, int dim,
                       boolean[] conditional) {
    public UNetCall {
        if (conditional.length != rows) throw new IllegalArgumentException("one conditional mark per row: " + conditional.length + " for " + rows);
    }
}
