package jdiffusion.sd.controlnet;

import jdiffusion.sd.unet.ControlResiduals;

/** What a pipeline asks before each UNet call: the residuals to add, or null for none. */
@FunctionalInterface
public interface UNetControl {
    UNetControl NONE = call -> null;

    ControlResiduals residuals(UNetCall call);
}
