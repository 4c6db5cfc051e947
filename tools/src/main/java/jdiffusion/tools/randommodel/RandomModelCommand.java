package jdiffusion.tools.randommodel;

import jdiffusion.tensor.DType;
import jdiffusion.tools.Arguments;
import jdiffusion.tools.Command;
import jdiffusion.tools.Options;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** {@code jsd random-model OUT}: a seeded random-weight checkpoint with the exact layout of a real one, for benchmarks. */
public final class RandomModelCommand implements Command {
    private static Options options() {
        return new Options()
                .positional("OUT", "the .safetensors file to write")
                .value("--arch", "ARCH", "architecture: sd15 (default), sdxl or sdxl-refiner")
                .value("--dtype", "DTYPE", "f16 (default), bf16 or f32")
                .value("--seed", "N", "random seed (default 0)")
                .flag("--force", "replace OUT if it exists");
    }

    @Override public String name() { return "random-model"; }

    @Override public String summary() { return "write a seeded random-weight model with a real checkpoint's names, shapes and dtype"; }

    @Override public String help() {
        return "usage: jsd random-model " + options().synopsis() + "\n\n"
                + "Writes a single-file checkpoint of the chosen architecture with seeded random weights and the names,\n"
                + "shapes and dtype of the real file, so the engine can be measured on the true architecture without real\n"
                + "weights: sd15 (A1111/CompVis: CLIP ViT-L, UNet 320/640/1280/1280, VAE, DDPM buffers), sdxl (sgm\n"
                + "sd_xl_base_1.0: CLIP-L + OpenCLIP-bigG, UNet 2.57 G parameters, VAE) or sdxl-refiner (bigG, 4-level\n"
                + "UNet, VAE). Position ids stay int64. The same seed always gives the same file.\n\n" + options().help();
    }

    @Override public int run(List<String> args, PrintStream out, PrintStream err) {
        Arguments a = options().parse(args);
        Path target = a.positionalPath(0, "OUT");
        String arch = a.choice("--arch", "sd15", List.of("sd15", "sdxl", "sdxl-refiner"));
        DType dtype = switch (a.choice("--dtype", "f16", List.of("f16", "bf16", "f32"))) {
            case "bf16" -> DType.BF16;
            case "f32" -> DType.F32;
            default -> DType.F16;
        };
        long seed = a.longValue("--seed", 0);
        List<LdmLayout.Entry> layout = switch (arch) {
            case "sdxl" -> LdmLayout.sdxl(LdmLayout.UNet.sdxl(), LdmLayout.Vae.sd15(), LdmLayout.Clip.vitL(), LdmLayout.OpenClip.bigG(), dtype);
            case "sdxl-refiner" -> LdmLayout.sdxlRefiner(LdmLayout.UNet.sdxlRefiner(), LdmLayout.Vae.sd15(), LdmLayout.OpenClip.bigG(), dtype);
            default -> LdmLayout.sd1(LdmLayout.UNet.sd15(), LdmLayout.Vae.sd15(), LdmLayout.Clip.vitL(), dtype);
        };
        long start = System.nanoTime();
        RandomModel.write(target, layout, seed, a.flag("--force"));
        err.printf("random-model: wrote %s (%d tensors, %s) in %.1f s%n", target, layout.size(), dtype, (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
