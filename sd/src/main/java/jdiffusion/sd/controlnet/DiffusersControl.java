package jdiffusion.sd.controlnet;

import jdiffusion.sd.unet.ControlResiduals;
import jdiffusion.tensor.Backend;

import java.util.List;

/**
 * diffusers' {@code StableDiffusionControlNetPipeline} control (v0.26): each unit's residuals × its
 * {@code controlnet_conditioning_scale} (or the guess-mode logspace scales), summed over units
 * ({@code MultiControlNetModel}); step {@code i} of {@code n} is controlled unless {@code i/n < start} or
 * {@code (i+1)/n > end}. In guess mode the ControlNets see only the conditional rows; the others get no residuals.
 */
public final class DiffusersControl {
    /** One ControlNet with its hint ({@code [1, 3, height, width]} in [0, 1]) and conditioning scale. */
    public record Unit(ControlNet net, float[] hint, int height, int width, float scale) {}

    private final Backend backend;
    private final List<Unit> units;
    private final boolean guessMode;
    private final double start, end;

    public DiffusersControl(Backend backend, List<Unit> units, boolean guessMode, double start, double end) {
        this.backend = backend;
        this.units = List.copyOf(units);
        this.guessMode = guessMode;
        this.start = start;
        this.end = end;
    }

    /** diffusers' {@code controlnet_keep[i]}: whether step {@code i} of {@code n} is controlled. */
    public boolean keeps(int i, int n) {
        return !((double) i / n < start || (double) (i + 1) / n > end);
    }

    /** The control for step {@code i} of {@code n}. */
    public UNetControl atStep(int i, int n) {
        if (!keeps(i, n)) return UNetControl.NONE;
        return call -> {
            boolean[] rows = guessMode ? call.conditional() : ControlRun.allRows(call.rows());
            ControlResiduals sum = null;
            for (Unit u : units) {
                int outputs = u.net().outputs();
                float[] scales = guessMode ? ControlScales.guessMode(outputs, u.scale()) : ControlScales.uniform(outputs, u.scale());
                ControlResiduals r = ControlRun.residuals(backend, u.net(), u.hint(), u.height(), u.width(), call, rows, scales);
                sum = ControlRun.sum(backend, sum, r);
            }
            return sum;
        };
    }
}
