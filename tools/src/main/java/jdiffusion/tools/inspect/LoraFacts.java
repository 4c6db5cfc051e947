package jdiffusion.tools.inspect;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A LoRA/LyCORIS file's modules from its tensor names and shapes alone (no base model needed, unlike loading it):
 * how many layers it patches per component, which algorithms (the parameter names {@code jdiffusion.sd.extra.LoraNetwork}
 * reads) and which ranks.
 */
final class LoraFacts {
    private LoraFacts() {}

    /** Parameter name suffixes to the algorithm they belong to. */
    private static final List<String[]> ALGORITHMS = List.of(
            new String[]{"lora_down.weight", "LoRA"}, new String[]{"lora.down.weight", "LoRA"}, new String[]{"lora_A.weight", "LoRA"},
            new String[]{"hada_w1_a", "LoHa"}, new String[]{"lokr_w1", "LoKr"}, new String[]{"lokr_w1_a", "LoKr"}, new String[]{"diff", "full"});

    static Map<String, Object> of(WeightFile f) {
        Map<String, TreeSet<String>> modules = new TreeMap<>();
        TreeSet<String> algorithms = new TreeSet<>();
        TreeSet<Long> ranks = new TreeSet<>();
        boolean conv = false;
        for (TensorEntry t : f.tensors()) {
            String name = t.name();
            for (String[] a : ALGORITHMS) {
                if (!name.endsWith("." + a[0])) continue;
                String module = name.substring(0, name.length() - a[0].length() - 1);
                modules.computeIfAbsent(ComponentNames.ofLoraKey(name), k -> new TreeSet<>()).add(module);
                algorithms.add(a[1]);
                int[] s = t.shape();
                if (a[1].equals("LoRA") && s.length > 0) ranks.add((long) s[0]);
                if (a[1].equals("LoRA") && s.length == 4 && (s[2] > 1 || s[3] > 1)) conv = true;
            }
            if (name.endsWith(".hada_w1_b") && t.shape().length > 0) ranks.add((long) t.shape()[0]);
        }
        if (conv) algorithms.add("LoCon");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("algorithms", String.join(", ", algorithms));
        Map<String, Object> perComponent = new LinkedHashMap<>();
        modules.forEach((component, names) -> perComponent.put(component, (long) names.size()));
        m.put("modules", perComponent);
        if (!ranks.isEmpty()) m.put("ranks", List.copyOf(ranks));
        return m;
    }
}
