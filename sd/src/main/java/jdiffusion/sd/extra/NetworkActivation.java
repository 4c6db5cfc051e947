package jdiffusion.sd.extra;

import jdiffusion.sd.clip.ClipTextEncoder;
import jdiffusion.sd.unet.UNet;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The model as one batch's extra networks make it: the text encoder and UNet with its LoRAs merged and hypernetworks
 * attached (the base ones when there are none), the embeddings its prompts may name, and what to record.
 *
 * @param key a name for this set of networks: equal keys mean equal components (for caching conditionings)
 */
public record NetworkActivation(ClipTextEncoder textEncoder, UNet unet, EmbeddingDatabase embeddings, List<ActiveLora> loras,
                                List<HypernetworkContext.Active> hypernetworks, String key) {
    /** The infotext keys that describe extra networks (those {@link #infotext} and the wildcards write). */
    public static final Set<String> INFOTEXT_KEYS = Set.of("Lora hashes", "TI hashes", "Hypernet", "Hypernet hash", "Hypernet strength", "Wildcard prompt");

    /**
     * The infotext entries the WebUI adds for these networks: {@code Lora hashes} ({@code "name: addnet hash"}),
     * {@code TI hashes} for the embeddings the prompts used, and the hypernetworks ({@code Hypernet},
     * {@code Hypernet hash}, {@code Hypernet strength} when not 1, as the WebUI wrote them when hypernetworks were a
     * setting). Names lose their {@code :} and {@code ,} as in the WebUI.
     */
    public Map<String, String> infotext(Set<String> usedEmbeddings) {
        Map<String, String> m = new LinkedHashMap<>();
        Map<String, String> lora = new LinkedHashMap<>();
        for (ActiveLora a : loras) lora.put(clean(a.network().name()), a.network().shorthash());
        if (!lora.isEmpty()) m.put("Lora hashes", join(lora));
        Map<String, String> ti = new LinkedHashMap<>();
        for (String name : usedEmbeddings) ti.put(clean(name), embeddings.shorthash(name));
        if (!ti.isEmpty()) m.put("TI hashes", join(ti));
        if (!hypernetworks.isEmpty()) {
            StringBuilder names = new StringBuilder(), hashes = new StringBuilder(), strengths = new StringBuilder();
            boolean allOne = true;
            for (HypernetworkContext.Active h : hypernetworks) {
                if (!names.isEmpty()) {
                    names.append(", ");
                    hashes.append(", ");
                    strengths.append(", ");
                }
                names.append(h.network().name());
                hashes.append(h.network().shorthash());
                strengths.append(number(h.multiplier()));
                allOne &= h.multiplier() == 1.0;
            }
            m.put("Hypernet", names.toString());
            m.put("Hypernet hash", hashes.toString());
            if (!allOne) m.put("Hypernet strength", strengths.toString());
        }
        return m;
    }

    private static String clean(String name) { return name.replace(":", "").replace(",", ""); }

    private static String join(Map<String, String> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> {
            if (!b.isEmpty()) b.append(", ");
            b.append(k).append(": ").append(v);
        });
        return b.toString();
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Double.toString(v) : java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
