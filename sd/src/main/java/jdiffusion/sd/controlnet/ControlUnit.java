package jdiffusion.sd.controlnet;

/**
 * One enabled ControlNet unit, ready to run: the network, its hint ({@code [1, 3, height, width]} in [0, 1], host,
 * already preprocessed and resized to the generation size), weight, control mode and guidance range (fractions of the
 * sampling steps).
 */
public record ControlUnit(ControlNet net, float[] hint, int height, int width, float weight, ControlMode mode, double start, double end) {
    public ControlUnit {
        if (hint.length != 3 * height * width) throw new IllegalArgumentException("hint holds " + hint.length + " values, not 3x" + height + "x" + width);
        if (start < 0 || end > 1 || start > end)
            throw new IllegalArgumentException("ControlNet guidance start/end must satisfy 0 <= start <= end <= 1, got " + start + "/" + end);
    }

    /** The per-output scales of the extension: weight everywhere (Balanced) or its soft injection. */
    public float[] scales() {
        return mode.softInjection() ? ControlScales.soft(net.outputs(), weight) : ControlScales.uniform(net.outputs(), weight);
    }
}
