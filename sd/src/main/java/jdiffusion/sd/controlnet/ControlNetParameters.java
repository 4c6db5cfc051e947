package jdiffusion.sd.controlnet;

import jdiffusion.nn.ParameterShapes;
import jdiffusion.sd.unet.UNetParameters;

import java.util.LinkedHashMap;
import java.util.Map;

/** Every weight a {@link ControlNetConfig} implies, with its shape, under the diffusers {@code ControlNetModel} names. */
public final class ControlNetParameters {
    private ControlNetParameters() {}

    public static Map<String, int[]> shapes(ControlNetConfig c) {
        Map<String, int[]> out = new LinkedHashMap<>(UNetParameters.encoderShapes(c.unet()));
        ParameterShapes m = new ParameterShapes();
        int last = c.hintChannels().size() - 1, in = c.hintInChannels();
        for (int k = 0; k <= last; k++) {
            String name = k == 0 ? "conv_in" : k == last ? "conv_out" : "blocks." + (k - 1);
            m.conv("controlnet_cond_embedding." + name, in, c.hintChannels().get(k), 3);
            in = c.hintChannels().get(k);
        }
        var u = c.unet();
        int skip = 0;
        m.conv("controlnet_down_blocks." + skip++, u.channels(0), u.channels(0), 1);
        for (int level = 0; level < u.levels(); level++) {
            for (int j = 0; j < u.layersPerBlock(); j++) m.conv("controlnet_down_blocks." + skip++, u.channels(level), u.channels(level), 1);
            if (level < u.levels() - 1) m.conv("controlnet_down_blocks." + skip++, u.channels(level), u.channels(level), 1);
        }
        int deepest = u.channels(u.levels() - 1);
        m.conv("controlnet_mid_block", deepest, deepest, 1);
        out.putAll(m.map());
        return out;
    }
}
