package jdiffusion.tools.inspect;

import java.util.Set;

/** What a model file or folder is, told from its tensor names (a LoRA, a VAE... are not checkpoints but are still described). */
enum FileKind {
    CHECKPOINT("checkpoint"),
    DIFFUSERS("diffusers"),
    VAE("vae"),
    LORA("lora"),
    EMBEDDING("embedding"),
    HYPERNETWORK("hypernetwork"),
    /** One component's weights of a diffusers folder (a UNet or text encoder file alone). */
    COMPONENT("component"),
    UNKNOWN("unknown");

    /** A one-tensor file larger than this (75 vectors of SDXL width) is no embedding, and is not read as one. */
    private static final long MAX_EMBEDDING_ELEMENTS = 75L * 2048;

    /** The name in JSON output. */
    final String id;

    FileKind(String id) { this.id = id; }

    static FileKind of(WeightFile f) {
        Set<String> names = f.tensors().stream().map(TensorEntry::name).collect(java.util.stream.Collectors.toSet());
        if (names.stream().anyMatch(FileKind::isLoraKey)) return LORA;
        if (names.stream().anyMatch(n -> n.startsWith("model.diffusion_model.") || n.startsWith("conditioner.embedders.")
                || n.startsWith("control_model.") || n.startsWith("double_blocks.") || n.startsWith("joint_blocks."))) return CHECKPOINT;
        if (f.metadata().containsKey("string_to_param") || names.contains("emb_params") || names.contains("clip_l") && names.contains("clip_g"))
            return EMBEDDING;
        if (f.metadata().containsKey("layer_structure") || f.metadata().containsKey("activation_func")
                || !names.isEmpty() && names.stream().allMatch(n -> n.matches("\\d+\\.[01]\\.linear\\.\\d+\\.(weight|bias)"))) return HYPERNETWORK;
        if (names.stream().anyMatch(n -> n.startsWith("encoder.down") || n.startsWith("decoder.up") || n.startsWith("first_stage_model.encoder.")))
            return VAE;
        if (names.stream().anyMatch(n -> n.startsWith("down_blocks.") || n.startsWith("text_model."))) return COMPONENT;
        // a diffusers textual-inversion concept: one [vectors, width] or [width] tensor
        if (f.tensors().size() == 1 && f.tensors().getFirst().shape().length <= 2 && f.tensors().getFirst().floating()
                && f.tensors().getFirst().numel() <= MAX_EMBEDDING_ELEMENTS) return EMBEDDING;
        return UNKNOWN;
    }

    static boolean isLoraKey(String n) {
        return n.startsWith("lora_unet_") || n.startsWith("lora_te") || n.startsWith("lycoris_") || n.contains(".lora_down.")
                || n.contains(".lora_A.") || n.contains(".lora.down.") || n.contains(".hada_w1_a") || n.contains(".lokr_w1");
    }

    /** The component a tensor of a file of this kind belongs to ({@link ComponentNames}). */
    String componentOf(String key) {
        return switch (this) {
            case LORA -> ComponentNames.ofLoraKey(key);
            case VAE -> ComponentNames.VAE;
            case EMBEDDING -> "embedding";
            case HYPERNETWORK -> "hypernetwork";
            case COMPONENT -> key.startsWith("text_model.") ? ComponentNames.TEXT_ENCODER : ComponentNames.UNET;
            case CHECKPOINT, DIFFUSERS, UNKNOWN -> ComponentNames.ofCheckpointKey(key);
        };
    }
}
