package jdiffusion.sd.controlnet;

import jdiffusion.sd.controlnet.preprocess.ControlResize;
import jdiffusion.sd.controlnet.preprocess.PreprocessorException;
import jdiffusion.sd.controlnet.preprocess.Preprocessors;
import jdiffusion.sd.image.InfoText;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The extension's infotext entry, written and read back through the WebUI's infotext quoting; module refusals. */
class ControlNetInfotextTest {
    static ControlNetUnitSpec canny() {
        return new ControlNetUnitSpec(true, "canny", "tiny-controlnet-sd15 [c4277bb3]", null, 0.7f, ControlResize.Mode.JUST_RESIZE, false, 64,
                100, 200, 0.2, 0.8, true, ControlMode.PROMPT_MORE_IMPORTANT);
    }

    @Test
    void writtenAsTheExtensionWritesIt() {
        assertEquals("Module: canny, Model: tiny-controlnet-sd15 [c4277bb3], Weight: 0.7, Resize Mode: Just Resize, Processor Res: 64, "
                        + "Threshold A: 100.0, Threshold B: 200.0, Guidance Start: 0.2, Guidance End: 0.8, Pixel Perfect: True, "
                        + "Control Mode: My prompt is more important, Hr Option: Both",
                ControlNetInfotext.serialize(canny(), "tiny-controlnet-sd15 [c4277bb3]"));
        String invert = ControlNetInfotext.serialize(ControlNetUnitSpec.defaults("m", null).withImage(null), "m [12345678]");
        assertEquals("Module: none, Model: m [12345678], Weight: 1.0, Resize Mode: Crop and Resize, Guidance Start: 0.0, Guidance End: 1.0, "
                + "Pixel Perfect: False, Control Mode: Balanced, Hr Option: Both", invert);
    }

    @Test
    void readBackFromAPngInfotextWithoutTheImage() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("Steps", "20");
        params.put("Sampler", "Euler a");
        params.put("ControlNet 0", ControlNetInfotext.serialize(canny(), "tiny-controlnet-sd15 [c4277bb3]"));
        InfoText text = InfoText.parse(new InfoText("a cat", "", params).format());
        List<ControlNetUnitSpec> units = ControlNetInfotext.parse(text.parameters());
        assertEquals(List.of(canny()), units);
        ControlNetException e = assertThrows(ControlNetException.class, () -> new ControlNets(null, units, 3));
        assertTrue(e.getMessage().contains("no input image"), e.getMessage());
    }

    @Test
    void detectorModulesAreListedAndRefusedWithTheWayAround() {
        assertTrue(Preprocessors.all().contains("openpose") && Preprocessors.all().contains("canny"));
        PreprocessorException e = assertThrows(PreprocessorException.class, () -> Preprocessors.normalise("depth_midas"));
        assertTrue(e.getMessage().contains("depth_midas") && e.getMessage().contains("module=none"), e.getMessage());
        assertThrows(PreprocessorException.class, () -> Preprocessors.normalise("no_such_module"));
    }
}
