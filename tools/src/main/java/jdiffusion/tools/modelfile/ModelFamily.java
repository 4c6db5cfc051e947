package jdiffusion.tools.modelfile;

import java.util.Set;

/** The model family a single-file checkpoint belongs to, told from its key prefixes (enough to refuse a cross-family merge). */
enum ModelFamily {
    SD1("SD 1.x"), SD2("SD 2.x"), SDXL("SDXL"), OTHER("not a Stable Diffusion checkpoint we know");

    private final String label;

    ModelFamily(String label) { this.label = label; }

    String label() { return label; }

    static ModelFamily of(Set<String> names) {
        boolean unet = false;
        for (String n : names) {
            if (n.startsWith("conditioner.embedders.") || n.startsWith("model.diffusion_model.label_emb.")) return SDXL;
            unet |= n.startsWith("model.diffusion_model.");
        }
        for (String n : names) {
            if (n.startsWith("cond_stage_model.model.")) return SD2;
            if (n.startsWith("cond_stage_model.transformer.")) return SD1;
        }
        return unet ? SD1 : OTHER;
    }
}
