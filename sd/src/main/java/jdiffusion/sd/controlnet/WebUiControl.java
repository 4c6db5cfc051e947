package jdiffusion.sd.controlnet;

import jdiffusion.sd.unet.ControlResiduals;
import jdiffusion.tensor.Backend;

import java.util.List;

/**
 * ControlNet units as the sd-webui-controlnet extension applies them ({@code hook.py}): before every UNet call, each unit
 * whose guidance range holds the current progress runs on the call's own inputs and its scaled residuals are summed.
 * Progress is {@code sampling_step / steps}, where {@code sampling_step} is the step of the sampler's last callback
 * (0 before the first): it lags one step, so steps 0 and 1 both see 0. "ControlNet is more important" applies to the
 * conditional rows only.
 */
public final class WebUiControl implements UNetControl {
    private final Backend backend;
    private final List<ControlUnit> units;
    private final int steps;
    private int samplingStep;

    public WebUiControl(Backend backend, List<ControlUnit> units, int steps) {
        this.backend = backend;
        this.units = List.copyOf(units);
        this.steps = steps;
    }

    /** The sampler's callback for step {@code i} (the WebUI's {@code state.sampling_step = i}). */
    public void stepDone(int i) { samplingStep = i; }

    /** Whether {@code unit} runs at the current progress. */
    public boolean active(ControlUnit unit) {
        double percent = (double) samplingStep / steps;
        return !(percent < unit.start() || percent > unit.end());
    }

    @Override public ControlResiduals residuals(UNetCall call) {
        ControlResiduals sum = null;
        for (ControlUnit u : units) {
            if (!active(u)) continue;
            boolean[] rows = u.mode().cfgInjection() ? call.conditional() : ControlRun.allRows(call.rows());
            ControlResiduals r = ControlRun.residuals(backend, u.net(), u.hint(), u.height(), u.width(), call, rows, u.scales());
            sum = ControlRun.sum(backend, sum, r);
        }
        return sum;
    }
}
