package jdiffusion.sd.upscale;

import jdiffusion.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * spandrel's {@code canonicalize_state_dict}: the weights of an upscaler file, whatever wrapper the release put
 * around them ({@code {"params_ema": ...}} in Real-ESRGAN, {@code {"params": ...}} in the Compact releases,
 * {@code model_state_dict}, a one-entry dict, a {@code module.} or {@code netG.} prefix on every key).
 */
final class UpscalerStateDict {
    private static final List<String> WRAPPERS = List.of("model_state_dict", "state_dict", "params_ema", "params-ema", "params", "model", "net");
    private static final List<String> PREFIXES = List.of("module.", "netG.");

    private UpscalerStateDict() {}

    /** The tensors of the unpickled root object (a dict), unwrapped as spandrel does. */
    static Map<String, Tensor> canonical(Object root) {
        if (!(root instanceof Map<?, ?> dict)) return Map.of();
        for (String key : WRAPPERS)
            if (dict.get(key) instanceof Map<?, ?> inner) {
                dict = inner;
                break;
            }
        if (dict.size() == 1 && dict.values().iterator().next() instanceof Map<?, ?> single) dict = single;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet())
            if (e.getKey() instanceof String k && e.getValue() instanceof Tensor t) tensors.put(k, t);
        return withoutCommonPrefixes(tensors);
    }

    static Map<String, Tensor> withoutCommonPrefixes(Map<String, Tensor> tensors) {
        for (String prefix : PREFIXES) {
            if (tensors.isEmpty() || !tensors.keySet().stream().allMatch(k -> k.startsWith(prefix))) continue;
            Map<String, Tensor> stripped = new LinkedHashMap<>();
            tensors.forEach((k, v) -> stripped.put(k.substring(prefix.length()), v));
            tensors = stripped;
        }
        return tensors;
    }

    /** spandrel's {@code get_seq_len}: one more than the largest {@code i} of keys {@code <prefix>.<i>.*}, 0 when none. */
    static int sequenceLength(Map<String, Tensor> state, String prefix) {
        String p = prefix + ".";
        int max = -1;
        for (String k : state.keySet()) {
            if (!k.startsWith(p)) continue;
            int dot = k.indexOf('.', p.length());
            String index = dot < 0 ? k.substring(p.length()) : k.substring(p.length(), dot);
            if (!index.isEmpty() && index.chars().allMatch(Character::isDigit)) max = Math.max(max, Integer.parseInt(index));
        }
        return max + 1;
    }
}
