package jdiffusion.sd.unet;

import jdiffusion.nn.WeightSource;
import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.json.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Test fixture: a diffusers {@code unet/} folder read directly ({@code config.json} into a {@link UNetConfig} with
 * diffusers 0.26's defaulting, the safetensors file as a {@link WeightSource}), so the UNet is tested without
 * depending on the checkpoint loader.
 */
final class DiffusersUNetFolder implements WeightSource, AutoCloseable {
    private final SafeTensors file;
    private final UNetConfig config;

    DiffusersUNetFolder(Path folder) {
        try {
            this.config = parseConfig(Json.parseObject(Files.readString(folder.resolve("config.json"))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.file = SafeTensors.open(folder.resolve("diffusion_pytorch_model.safetensors"));
    }

    UNetConfig config() { return config; }

    @Override public Tensor find(String key) { return file.contains(key) ? file.get(key) : null; }

    @Override public Set<String> keys() { return file.names(); }

    @Override public void close() { file.close(); }

    /** diffusers: heads = num_attention_heads, defaulting to attention_head_dim (which SD1/SD2 configs use for head counts). */
    static UNetConfig parseConfig(Map<String, Object> j) {
        List<Integer> channels = ints(j.get("block_out_channels"), -1);
        int n = channels.size();
        List<Boolean> attention = new ArrayList<>();
        for (Object t : (List<?>) j.get("down_block_types")) attention.add(((String) t).startsWith("CrossAttn"));
        Object heads = j.get("num_attention_heads") != null ? j.get("num_attention_heads") : j.get("attention_head_dim");
        boolean textTime = "text_time".equals(j.get("addition_embed_type"));
        return new UNetConfig(
                num(j.get("in_channels")), num(j.get("out_channels")), channels, num(j.get("layers_per_block")), attention,
                ints(heads, n), ints(j.getOrDefault("transformer_layers_per_block", 1L), n), num(j.get("cross_attention_dim")),
                Boolean.TRUE.equals(j.get("use_linear_projection")), num(j.get("norm_num_groups")),
                ((Number) j.get("norm_eps")).floatValue(), Boolean.TRUE.equals(j.get("flip_sin_to_cos")), num(j.get("freq_shift")),
                Boolean.TRUE.equals(j.get("upcast_attention")),
                textTime ? num(j.get("projection_class_embeddings_input_dim")) : 0, textTime ? num(j.get("addition_time_embed_dim")) : 0);
    }

    private static int num(Object o) { return ((Number) o).intValue(); }

    /** A list of ints, or one int repeated {@code n} times. */
    private static List<Integer> ints(Object o, int n) {
        List<Integer> out = new ArrayList<>();
        if (o instanceof List<?> l) for (Object v : l) out.add(num(v));
        else for (int i = 0; i < n; i++) out.add(num(o));
        return out;
    }
}
