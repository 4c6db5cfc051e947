package jdiffusion.sd.controlnet;

import jdiffusion.sd.controlnet.preprocess.ControlResize;
import jdiffusion.sd.controlnet.preprocess.Raster;

/**
 * One ControlNet unit as a user asks for it (the extension's {@code ControlNetUnit}: CLI, API and infotext all give these
 * fields). {@code processorRes}, {@code thresholdA} and {@code thresholdB} of -1 mean the module's default; low VRAM is
 * accepted and ignored (it only moves weights between devices in the extension).
 *
 * @param model    the model's name as the extension shows it ({@code stem [hash]}), its stem, or a file path
 * @param image    the input image ({@code [H, W, 3]}), or null when it must still be given (an infotext carries none)
 */
public record ControlNetUnitSpec(boolean enabled, String module, String model, Raster image, float weight, ControlResize.Mode resizeMode,
                                 boolean lowVram, int processorRes, double thresholdA, double thresholdB, double guidanceStart,
                                 double guidanceEnd, boolean pixelPerfect, ControlMode controlMode) {

    /** The extension's defaults: module none, weight 1, "Crop and Resize", resolution 512, guidance 0..1, Balanced. */
    public static ControlNetUnitSpec defaults(String model, Raster image) {
        return new ControlNetUnitSpec(true, "none", model, image, 1f, ControlResize.Mode.CROP_AND_RESIZE, false, -1, -1, -1, 0, 1, false,
                ControlMode.BALANCED);
    }

    public ControlNetUnitSpec withImage(Raster image) {
        return new ControlNetUnitSpec(enabled, module, model, image, weight, resizeMode, lowVram, processorRes, thresholdA, thresholdB,
                guidanceStart, guidanceEnd, pixelPerfect, controlMode);
    }

    /** The preprocessor resolution in effect when not pixel perfect: 512 unless given. */
    public int resolution() { return processorRes < 0 ? 512 : processorRes; }
}
