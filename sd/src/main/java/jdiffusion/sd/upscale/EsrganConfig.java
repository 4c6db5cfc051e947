package jdiffusion.sd.upscale;

import jdiffusion.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An RRDBNet's hyper-parameters read from its weights as spandrel's ESRGAN architecture reads them, after
 * renaming every layout (BasicSR/Real-ESRGAN {@code conv_first, body.N.rdbK}, the 2019 ESRGAN repo and BSRGAN
 * {@code RRDB_trunk.N.RDBK}) to the old-arch {@code model.*} keys: the internal scale is
 * {@code 2^((len − 5) / 3)} for {@code len} modules; an input with 4 or 16 times the output channels is
 * pixel-unshuffled first (Real-ESRGAN x2plus), which divides the reported scale.
 *
 * @param blocks    RRDB count (nb)
 * @param features  trunk width (nf)
 * @param upsamples nearest-2× + conv stages
 * @param shuffle   pixel-unshuffle factor of the input, 1 when none
 */
record EsrganConfig(int inChannels, int outChannels, int features, int blocks, int upsamples, int shuffle) {
    private static final Pattern TRUNK_NEW = Pattern.compile("(?:body|RRDB_trunk)\\.(\\d+)\\.(?:rdb|RDB)(\\d)\\.conv(\\d+)\\.(weight|bias)");
    private static final Pattern UPCONV = Pattern.compile("(?:upconv|conv_up)(\\d)\\.(weight|bias)");

    /** The scale of the network itself (before an unshuffled input divides it). */
    int internalScale() { return 1 << upsamples; }

    /** The scale the model upscales an image by. */
    int scale() { return internalScale() / shuffle; }

    /** spandrel's size requirement: a multiple of 4 (minimum 4) when the input is unshuffled, else at least 2 pixels. */
    int multipleOf() { return shuffle > 1 ? 4 : 1; }

    int minimum() { return shuffle > 1 ? 4 : 2; }

    static boolean isNewArch(Map<String, Tensor> state) { return state.containsKey("conv_first.weight"); }

    /** The old-arch key names spandrel converts every layout to. */
    static Map<String, Tensor> toOldArch(Map<String, Tensor> state) {
        if (!isNewArch(state)) return state;
        int blocks = 0;
        for (String k : state.keySet()) {
            Matcher m = TRUNK_NEW.matcher(k);
            if (m.matches()) blocks = Math.max(blocks, Integer.parseInt(m.group(1)) + 1);
        }
        Map<String, Tensor> old = new LinkedHashMap<>();
        int maxUp = 0;
        for (String k : state.keySet()) {
            Matcher m = UPCONV.matcher(k);
            if (m.matches()) maxUp = Math.max(maxUp, 3 * Integer.parseInt(m.group(1)));
        }
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            String k = e.getKey();
            Matcher trunk = TRUNK_NEW.matcher(k), up = UPCONV.matcher(k);
            String name;
            if (trunk.matches())
                name = "model.1.sub." + trunk.group(1) + ".RDB" + trunk.group(2) + ".conv" + trunk.group(3) + ".0." + trunk.group(4);
            else if (up.matches()) name = "model." + 3 * Integer.parseInt(up.group(1)) + "." + up.group(2);
            else name = switch (k) {
                case "conv_first.weight", "conv_first.bias" -> "model.0." + suffix(k);
                case "trunk_conv.weight", "trunk_conv.bias", "conv_body.weight", "conv_body.bias" -> "model.1.sub." + blocks + "." + suffix(k);
                case "HRconv.weight", "HRconv.bias", "conv_hr.weight", "conv_hr.bias" -> "model." + (maxUp + 2) + "." + suffix(k);
                case "conv_last.weight", "conv_last.bias" -> "model." + (maxUp + 4) + "." + suffix(k);
                default -> null;
            };
            if (name != null) old.put(name, e.getValue());
        }
        return old;
    }

    private static String suffix(String key) { return key.substring(key.lastIndexOf('.') + 1); }

    /** The hyper-parameters of old-arch weights; {@link UpscalerException} for the variants jsd does not run. */
    static EsrganConfig of(Map<String, Tensor> old, String source) {
        if (old.keySet().stream().anyMatch(k -> k.contains(".conv1x1.")))
            throw new UpscalerException(source + ": an ESRGAN+ model (RRDB with 1x1 convolutions), which jsd does not run yet; use a plain ESRGAN or Real-ESRGAN model");
        int length = UpscalerStateDict.sequenceLength(old, "model");
        Tensor first = old.get("model.0.weight"), last = old.get("model." + (length - 1) + ".weight");
        if (first == null || last == null || first.rank() != 4)
            throw new UpscalerException(source + ": ESRGAN weights without model.0 or the last conv: a damaged or unusual file");
        int upsamples = (length - 5) / 3;
        for (int k = 1; k <= upsamples; k++)
            if (!old.containsKey("model." + 3 * k + ".weight"))
                throw new UpscalerException(source + ": an ESRGAN model with a pixel-shuffle or 3x upsampler, which jsd does not run yet (only the nearest + conv upsampler)");
        int in = first.size(1), out = last.size(0);
        int shuffle = in == 4 * out ? 2 : in == 16 * out ? 4 : 1;
        int blocks = UpscalerStateDict.sequenceLength(old, "model.1.sub") - 1;
        return new EsrganConfig(in / (shuffle * shuffle), out, first.size(0), blocks, upsamples, shuffle);
    }
}
