package jdiffusion.sd.checkpoint;

import jdiffusion.tensor.ckpt.TensorFile;
import jdiffusion.nn.WeightSource;
import jdiffusion.sd.vae.VaeConfig;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A stand-alone VAE: an ldm-named file ({@code encoder.down.0.block.0...}, as A1111's {@code models/VAE}),
 * a diffusers-named file, either possibly under {@code first_stage_model.}, or a diffusers {@code vae/} folder.
 */
public final class VaeFile implements AutoCloseable {
    private final VaeConfig config;
    private final MappedWeights weights;
    private final TensorFile file;

    private VaeFile(VaeConfig config, MappedWeights weights, TensorFile file) {
        this.config = config;
        this.weights = weights;
        this.file = file;
    }

    /**
     * Opens a VAE; {@code model} (may be null) supplies what shapes cannot tell — the scaling factor and GroupNorm
     * groups — from the checkpoint it will replace the VAE of.
     */
    public static VaeFile open(Path path, VaeConfig model) {
        if (Files.isDirectory(path)) {
            VaeConfig c = DiffusersConfig.vae(DiffusersConfig.readJson(path.resolve("config.json")));
            TensorFile f = Checkpoint.componentFile(path, "diffusion_pytorch_model");
            try {
                return new VaeFile(c, MappedWeights.of(f, "", LdmNames.diffusersVae()), f);
            } catch (RuntimeException e) {
                f.close();
                throw e;
            }
        }
        return fromFile(ModelFile.open(path), model);
    }

    /** A VAE over an opened tensor file, which it then owns (closed on failure too). */
    static VaeFile fromFile(TensorFile f, VaeConfig model) {
        Path path = f.path();
        try {
            String prefix = ModelDetector.anyStartsWith(f, LdmNames.VAE_PREFIX) ? LdmNames.VAE_PREFIX : "";
            VaeConfig c;
            MappedWeights w;
            if (ModelDetector.anyStartsWith(f, prefix + "encoder.down_blocks.") || ModelDetector.anyStartsWith(f, prefix + "decoder.up_blocks.")) {
                c = withModelFacts(ModelDetector.vaeDiffusers(f, prefix), model);
                w = MappedWeights.of(f, prefix, LdmNames.diffusersVae());
            } else if (ModelDetector.anyStartsWith(f, prefix + "encoder.down.") || ModelDetector.anyStartsWith(f, prefix + "decoder.up.")) {
                c = withModelFacts(ModelDetector.vaeLdm(f, prefix), model);
                w = MappedWeights.of(f, prefix, LdmNames.vae(c));
            } else {
                throw new ModelLoadException(path + ": not a VAE (no encoder.down/decoder.up or encoder.down_blocks/decoder.up_blocks tensors)");
            }
            if (prefix.isEmpty() && ModelDetector.anyStartsWith(f, LdmNames.UNET_PREFIX))
                throw new ModelLoadException(path + ": a full checkpoint, not a VAE");
            return new VaeFile(c, w, f);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** A1111's VAE beside a checkpoint: {@code <name>.vae.safetensors}, {@code .vae.pt} or {@code .vae.ckpt}; empty when none. */
    public static java.util.Optional<Path> besideCheckpoint(Path checkpoint) {
        if (Files.isDirectory(checkpoint)) return java.util.Optional.empty();
        String name = checkpoint.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        for (String ext : java.util.List.of(".vae.safetensors", ".vae.pt", ".vae.ckpt")) {
            Path p = checkpoint.resolveSibling(stem + ext);
            if (Files.isRegularFile(p)) return java.util.Optional.of(p);
        }
        return java.util.Optional.empty();
    }

    private static VaeConfig withModelFacts(VaeConfig fromShapes, VaeConfig model) {
        if (model == null) return fromShapes;
        return new VaeConfig(fromShapes.inChannels(), fromShapes.outChannels(), fromShapes.blockOutChannels(), fromShapes.layersPerBlock(),
                fromShapes.latentChannels(), model.normGroups(), model.normEps(), model.scalingFactor());
    }

    public VaeConfig config() { return config; }

    /** Weights under diffusers {@code AutoencoderKL} names. */
    public WeightSource weights() { return weights; }

    @Override public void close() { file.close(); }
}
