package jdiffusion.sd.checkpoint;

import jdiffusion.nn.WeightSource;
import jdiffusion.sd.clip.ClipTextConfig;
import jdiffusion.tensor.DType;
import jdiffusion.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static jdiffusion.sd.checkpoint.LdmNames.CLIP_PREFIX;
import static jdiffusion.sd.checkpoint.LdmNames.OPENCLIP_PREFIX;
import static jdiffusion.sd.checkpoint.LdmNames.UNET_PREFIX;
import static jdiffusion.sd.checkpoint.LdmNames.VAE_PREFIX;

/**
 * A checkpoint's weights under ldm/A1111 single-file names, whatever layout it was opened from: the loader's own
 * table ({@link LdmNames}) run backwards ({@link KeyMap#invert}), so writing and reading cannot disagree. VAE
 * attention linears become 1x1 conv weights again, OpenCLIP's q/k/v projections one fused {@code in_proj}, and
 * SD1's text encoder gets back the {@code position_ids} buffer diffusers files leave out. The DDPM schedule
 * buffers are the writer's business (they come from the scheduler config, not from weights).
 *
 * <pre>{@code
 * try (Checkpoint ckpt = Checkpoint.open(folder)) {
 *     for (SingleFileExport.Entry e : SingleFileExport.entries(ckpt)) write(e.name(), e.shape(), e.pieces());
 * }
 * }</pre>
 */
public final class SingleFileExport {
    private SingleFileExport() {}

    /**
     * One tensor of the single file: {@code pieces} concatenated along dim 0 (views of the checkpoint's tensors, valid
     * while it is open; one piece except for fused tensors).
     */
    public record Entry(String name, List<Tensor> pieces) {
        public Entry {
            pieces = List.copyOf(pieces);
            if (pieces.isEmpty()) throw new IllegalArgumentException(name + ": no pieces");
        }

        public int[] shape() {
            int[] s = pieces.getFirst().shape();
            for (int i = 1; i < pieces.size(); i++) s[0] += pieces.get(i).size(0);
            return s;
        }

        public DType dtype() { return pieces.getFirst().dtype(); }
    }

    /** Every weight of {@code ckpt} (UNet, VAE when present, text encoder when present) under its ldm name. */
    public static List<Entry> entries(Checkpoint ckpt) {
        ModelConfig config = ckpt.config();
        String where = ckpt.path().toString();
        List<Entry> out = new ArrayList<>();
        add(out, ckpt.unet(), LdmNames.unet(config.unet()), UNET_PREFIX, where);
        if (ckpt.hasVae()) add(out, ckpt.vae(), LdmNames.vae(config.vae()), VAE_PREFIX, where);
        if (ckpt.hasTextEncoder()) {
            ClipTextConfig clip = config.textEncoder();
            if (config.family() == ModelFamily.SD2) {
                add(out, ckpt.textEncoder(), LdmNames.openClip(clip.layers()), OPENCLIP_PREFIX, where);
                if (lostLastLayer(config)) addIdentityLayer(out, clip.layers());
            } else {
                add(out, ckpt.textEncoder(), LdmNames.clip(), CLIP_PREFIX, where);
                String ids = CLIP_PREFIX + "text_model.embeddings.position_ids";
                if (out.stream().noneMatch(e -> e.name().equals(ids))) out.add(new Entry(ids, List.of(positionIds(clip.maxPositions()))));
            }
        }
        return out;
    }

    /**
     * The text encoder as the single file describes it: an SD2 encoder cut to the layers diffusers runs (23) gets
     * back OpenCLIP's last layer, which ldm's "penultimate" skips ({@link #entries} writes it as an identity).
     */
    public static ClipTextConfig textEncoderConfig(ModelConfig config) {
        ClipTextConfig c = config.textEncoder();
        return lostLastLayer(config) ? c.withLayers(c.layers() + 1, 1) : c;
    }

    /**
     * An SD2 text encoder run to its last layer that has fewer layers than ViT-H's 24 was cut by diffusers. One that
     * already has 24 (an ldm "last" model converted to a folder) stays as it is, and its yaml says "last".
     */
    private static boolean lostLastLayer(ModelConfig config) {
        ClipTextConfig c = config.textEncoder();
        if (c == null || config.family() != ModelFamily.SD2 || c.skippedLayers() > 0) return false;
        ClipTextConfig vitH = ClipTextConfig.sd2();
        return c.hiddenSize() != vitH.hiddenSize() || c.layers() < vitH.layers();
    }

    /**
     * OpenCLIP's last resblock, which a diffusers SD2 folder no longer holds, as all zeros: a pre-LayerNorm residual
     * block with zero weights adds nothing, so the file conditions the same whether ldm stops before it
     * ("penultimate") or runs it ("last"), and it has the layer count ldm's ViT-H expects.
     */
    private static void addIdentityLayer(List<Entry> out, int layers) {
        String last = OPENCLIP_PREFIX + "transformer.resblocks." + (layers - 1) + ".";
        String added = OPENCLIP_PREFIX + "transformer.resblocks." + layers + ".";
        List<Entry> zeros = new ArrayList<>();
        for (Entry e : out) {
            if (!e.name().startsWith(last)) continue;
            int[] shape = e.shape();
            MemorySegment s = Arena.ofAuto().allocate(Tensor.numel(shape) * e.dtype().byteSize(), 8);
            zeros.add(new Entry(added + e.name().substring(last.length()), List.of(Tensor.wrap(s, e.dtype(), shape))));
        }
        out.addAll(zeros);
    }

    private static void add(List<Entry> out, WeightSource weights, KeyMap map, String prefix, String where) {
        Map<String, KeyMap.Assembly> assemblies = map.invert(weights.keys(), prefix, where);
        for (KeyMap.Assembly a : assemblies.values()) {
            List<Tensor> pieces = new ArrayList<>();
            for (KeyMap.Piece p : a.pieces()) pieces.add(p.view().unapply(weights.find(p.internal())));
            out.add(new Entry(a.sourceKey(), pieces));
        }
    }

    /** The {@code [1, n]} int64 buffer {@code 0..n-1} transformers' CLIP registers (and ldm files store). */
    static Tensor positionIds(int n) {
        MemorySegment s = Arena.ofAuto().allocate(8L * n, 8);
        for (int i = 0; i < n; i++) s.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), i, i);
        return Tensor.wrap(s, DType.I64, 1, n);
    }
}
