package jdiffusion.sd.extra;

import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.clip.ClipTextEncoder;
import jdiffusion.sd.clip.ClipTokenizer;
import jdiffusion.sd.prompt.ExtraNetworkParams;
import jdiffusion.sd.prompt.ExtraNetworks;
import jdiffusion.sd.prompt.LoraTag;
import jdiffusion.sd.prompt.PromptSyntaxException;
import jdiffusion.sd.unet.UNet;
import jdiffusion.tensor.Backend;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The extra networks one loaded model can use, from a WebUI folder ({@link ModelsFolder}, optional), and what a
 * batch's prompt tags make of the model:
 * <pre>
 *   &lt;lora:name:te:unet&gt; (also &lt;lyco:...&gt;)  models/Lora, models/LyCORIS   merged into text encoder / UNet
 *   &lt;hypernet:name:m&gt;                          models/hypernetworks          attention keys and values
 *   a word naming embeddings/&lt;name&gt;.pt           embeddings/                   token embeddings
 *   __name__                                    wildcards/&lt;name&gt;.txt          one line per image seed
 * </pre>
 * As in the WebUI, networks come from the positive prompts of the batch; a name with no file is a warning (the tag is
 * still removed), a file that does not fit the model is an error. The base model stays memory-mapped and unchanged:
 * each set of networks gets its own patched text encoder and UNet over it, and the last set is kept, so running the
 * same LoRAs again costs nothing and other LoRAs only rebuild the weights they touch.
 */
public final class ExtraNetworkLibrary {
    private final ModelsFolder folder;
    private final Backend backend;
    private final Checkpoint checkpoint;
    private final ClipTextEncoder baseText;
    private final UNet baseUnet;
    private final ModelModules modules;
    private final EmbeddingDatabase embeddings;
    private final Wildcards wildcards;
    private final Map<Path, LoraNetwork> loras = new HashMap<>();
    private final Map<Path, Hypernetwork> hypernetworks = new HashMap<>();
    private NetworkActivation last;

    /**
     * @param folder     a WebUI folder, or null for none (tags then only warn)
     * @param modelName  the model's name, for messages
     */
    public ExtraNetworkLibrary(ModelsFolder folder, Backend backend, Checkpoint checkpoint, String modelName, ClipTokenizer tokenizer,
                               ClipTextEncoder baseText, UNet baseUnet) {
        this.folder = folder;
        this.backend = backend;
        this.checkpoint = checkpoint;
        this.baseText = baseText;
        this.baseUnet = baseUnet;
        this.modules = ModelModules.of(checkpoint, modelName);
        int dim = baseText.config().hiddenSize();
        this.embeddings = folder == null ? EmbeddingDatabase.empty(tokenizer, dim)
                : EmbeddingDatabase.load(tokenizer, dim, List.copyOf(new LinkedHashSet<>(folder.all(ModelsFolder.Kind.EMBEDDING).values())));
        this.wildcards = new Wildcards(folder);
    }

    public ModelsFolder folder() { return folder; }

    public EmbeddingDatabase embeddings() { return embeddings; }

    /** {@code prompt} with its {@code __wildcards__} drawn for the image of seed {@code seed}. */
    public String expandWildcards(String prompt, long seed, Consumer<String> warn) { return wildcards.expand(prompt, seed, warn); }

    /**
     * The model for a batch whose positive prompts carry {@code tags} (each prompt's parsed tags): LoRAs and
     * hypernetworks in tag order; unknown tag types and names without a file are reported to {@code warn}.
     */
    public synchronized NetworkActivation activate(List<ExtraNetworks.Parsed> tags, Consumer<String> warn) {
        List<ActiveLora> activeLoras = new ArrayList<>();
        List<HypernetworkContext.Active> activeHypernetworks = new ArrayList<>();
        Set<String> missing = new LinkedHashSet<>();
        Set<String> seenTypes = new LinkedHashSet<>();
        for (ExtraNetworks.Parsed parsed : tags) {
            for (Map.Entry<String, List<ExtraNetworkParams>> e : parsed.networks().entrySet()) {
                String type = e.getKey();
                for (ExtraNetworkParams params : e.getValue()) {
                    switch (type) {
                        case "lora", "lyco" -> {
                            LoraTag tag = LoraTag.of(params);
                            if (tag.dynamicDim() != 0) warn.accept("<lora:" + tag.name() + ">: dynamic rank (dyn=" + tag.dynamicDim() + ") is not supported; the full rank is used");
                            Optional<Path> file = find(ModelsFolder.Kind.LORA, tag.name());
                            if (file.isEmpty()) {
                                missing.add(tag.name());
                                continue;
                            }
                            activeLoras.add(new ActiveLora(lora(file.get(), tag.name()), tag.textEncoderMultiplier(), tag.unetMultiplier()));
                        }
                        case "hypernet" -> {
                            String name = params.name();
                            double m = params.positional().size() > 1 ? number(params.positional().get(1), name) : 1.0;
                            Optional<Path> file = find(ModelsFolder.Kind.HYPERNETWORK, name);
                            if (file.isEmpty()) {
                                missing.add(name);
                                continue;
                            }
                            activeHypernetworks.add(new HypernetworkContext.Active(hypernetworks.computeIfAbsent(file.get(), Hypernetwork::load), m));
                        }
                        default -> {
                            if (seenTypes.add(type)) warn.accept("skipping unknown extra network: " + type);
                        }
                    }
                }
            }
        }
        if (!missing.isEmpty())
            warn.accept("networks not found: " + String.join(", ", missing) + (folder == null ? " (no --models-dir given)"
                    : " (looked in " + folder.root().resolve("models") + "/{Lora,LyCORIS,hypernetworks})"));
        String key = key(activeLoras, activeHypernetworks);
        if (last != null && last.key().equals(key)) return last;
        last = build(activeLoras, activeHypernetworks, key);
        return last;
    }

    private NetworkActivation build(List<ActiveLora> activeLoras, List<HypernetworkContext.Active> activeHypernetworks, String key) {
        ClipTextEncoder text = baseText;
        UNet unet = baseUnet;
        if (!activeLoras.isEmpty() && checkpoint.hasTextEncoder()) {
            PatchedWeights w = PatchedWeights.of(checkpoint.textEncoder(), NetworkTarget.TEXT_ENCODER, activeLoras, MatrixProduct.on(backend));
            if (!w.isEmpty()) text = new ClipTextEncoder(backend, new Weights(w), checkpoint.config().textEncoder());
        }
        PatchedWeights unetWeights = activeLoras.isEmpty() ? null : PatchedWeights.of(checkpoint.unet(), NetworkTarget.UNET, activeLoras, MatrixProduct.on(backend));
        boolean patched = unetWeights != null && !unetWeights.isEmpty();
        if (patched || !activeHypernetworks.isEmpty()) {
            unet = new UNet(backend, new Weights(patched ? unetWeights : checkpoint.unet()), checkpoint.config().unet(),
                    activeHypernetworks.isEmpty() ? jdiffusion.sd.unet.AttentionContext.NONE : new HypernetworkContext(activeHypernetworks));
        }
        return new NetworkActivation(text, unet, embeddings, List.copyOf(activeLoras), List.copyOf(activeHypernetworks), key);
    }

    private LoraNetwork lora(Path file, String name) {
        LoraNetwork n = loras.get(file);
        if (n == null) {
            n = LoraNetwork.load(file, name, modules);
            loras.put(file, n);
        }
        return n;
    }

    private Optional<Path> find(ModelsFolder.Kind kind, String name) {
        return folder == null ? Optional.empty() : folder.find(kind, name);
    }

    private static String key(List<ActiveLora> loras, List<HypernetworkContext.Active> hypernetworks) {
        StringBuilder b = new StringBuilder();
        for (ActiveLora a : loras) b.append("lora:").append(a.network().path()).append(':').append(a.textEncoderMultiplier()).append(':').append(a.unetMultiplier()).append('\n');
        for (HypernetworkContext.Active h : hypernetworks) b.append("hypernet:").append(h.network().path()).append(':').append(h.multiplier()).append('\n');
        return b.toString();
    }

    private static double number(String s, String name) {
        try {
            return Double.parseDouble(s.strip());
        } catch (NumberFormatException e) {
            throw new PromptSyntaxException("hypernet multiplier \"" + s + "\" of " + name + " is not a number; write e.g. <hypernet:" + name + ":0.8>");
        }
    }

    @Override public String toString() {
        return "ExtraNetworkLibrary[" + (folder == null ? "no folder" : folder.root()) + "]";
    }
}
