package jdiffusion.tools.upscale;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.kernels.opencl.DeviceSelector;
import jdiffusion.kernels.opencl.DeviceSpecException;
import jdiffusion.sd.cli.ProgressBar;
import jdiffusion.sd.extra.ModelsFolder;
import jdiffusion.sd.image.OutputFiles;
import jdiffusion.sd.image.Png;
import jdiffusion.sd.pipeline.Progress;
import jdiffusion.sd.pipeline.RgbImage;
import jdiffusion.sd.upscale.ExtrasUpscale;
import jdiffusion.sd.upscale.TiledUpscale;
import jdiffusion.sd.upscale.Upscaler;
import jdiffusion.sd.upscale.UpscalerLibrary;
import jdiffusion.tensor.Backend;
import jdiffusion.tools.Arguments;
import jdiffusion.tools.Command;
import jdiffusion.tools.CommandException;
import jdiffusion.tools.Options;
import jdiffusion.tools.UsageException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code jsd upscale IN... --upscaler NAME --scale S | --width W --height H}: the WebUI's Extras upscale on files and
 * folders of images. Each result is a new numbered PNG in the output folder (never an existing file), carrying the
 * input's {@code parameters} text and the Extras' {@code postprocessing} text.
 */
public final class UpscaleCommand implements Command {
    private static final List<String> IMAGE_EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

    private static Options options() {
        return new Options()
                .positionals("IN", "image files or folders of images", 1, Integer.MAX_VALUE)
                .section("upscale")
                .value("--upscaler", "NAME", "None, Lanczos, Nearest, an ESRGAN model in models/ESRGAN, a Real-ESRGAN label (R-ESRGAN 4x+ ...) or a model file (required)")
                .value("--scale", "X", "upscale by this factor (default 4)")
                .value("--width", "PX", "upscale to cover this width (with --height) instead")
                .value("--height", "PX", "upscale to cover this height (with --width)")
                .flag("--no-crop", "with --width/--height: keep the covering size instead of cropping to it")
                .value("--upscaler-2", "NAME", "a second upscaler blended over the first")
                .value("--upscaler-2-visibility", "X", "how much of the second upscaler shows, 0..1 (default 0)")
                .value("--upscaler-tile", "PX", "tile size for model upscalers (WebUI ESRGAN_tile, default 192; 0 = whole image)")
                .value("--upscaler-tile-overlap", "PX", "tile overlap for model upscalers (WebUI ESRGAN_tile_overlap, default 8)")
                .value("--models-dir", "DIR", "a WebUI folder: models/ESRGAN, models/RealESRGAN, models/SwinIR")
                .section("output")
                .value("--outdir", "DIR", "folder for the results (default outputs/extras-images)")
                .value("--threads", "N", "CPU threads (default: all cores)")
                .value("--device", "DEVICE", "compute device: " + DeviceSelector.HELP + " (default cpu)");
    }

    @Override public String name() { return "upscale"; }

    @Override public String summary() { return "upscale images with ESRGAN-family models or Lanczos (WebUI Extras)"; }

    @Override public String help() {
        return "usage: jsd upscale IN... --upscaler NAME (--scale X | --width W --height H) [options]\n\n"
                + "Upscales as the WebUI's Extras tab does: the model is applied (tiled) until the size is reached, then\n"
                + "Lanczos gives the exact size, rounded down to a multiple of 8.\n" + options().help();
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws IOException {
        Arguments a = options().parse(args);
        if (!a.has("--upscaler")) throw new UsageException("--upscaler is required (e.g. Lanczos, R-ESRGAN 4x+, or a model name in models/ESRGAN)");
        List<Path> inputs = inputs(a);
        ModelsFolder folder = a.has("--models-dir") ? ModelsFolder.of(a.path("--models-dir")) : null;
        int tile = a.intValue("--upscaler-tile", TiledUpscale.DEFAULT_TILE, 0, 4096);
        int overlap = a.intValue("--upscaler-tile-overlap", TiledUpscale.DEFAULT_OVERLAP, 0, 4096);
        Path outDir = a.has("--outdir") ? a.path("--outdir") : Path.of("outputs", "extras-images");
        String device = a.value("--device", "cpu");
        try {
            DeviceSelector.parse(device);
        } catch (DeviceSpecException e) {
            throw new UsageException(e.getMessage());
        }
        ProgressBar bar = new ProgressBar(err, System.console() != null);
        int threads = a.intValue("--threads", Runtime.getRuntime().availableProcessors(), 1, 4096);
        try (Backend backend = device.equals("cpu") ? new CpuBackend(threads) : DeviceSelector.open(device);
             UpscalerLibrary library = UpscalerLibrary.of(backend, folder)) {
            Upscaler first = library.get(a.value("--upscaler", ""), tile, overlap);
            Upscaler second = a.has("--upscaler-2") ? library.get(a.value("--upscaler-2", ""), tile, overlap) : null;
            ExtrasUpscale extras = new ExtrasUpscale(first, second, a.doubleValue("--upscaler-2-visibility", 0),
                    a.doubleValue("--scale", 4), a.intValue("--width", 0, 0, 65536), a.intValue("--height", 0, 0, 65536), !a.flag("--no-crop"));
            for (int i = 0; i < inputs.size(); i++) {
                bar.update(Progress.Phase.UPSCALE, i, inputs.size());
                Path in = inputs.get(i);
                byte[] bytes = Files.readAllBytes(in);
                ExtrasUpscale.Result r = extras.apply(RgbImage.read(in));
                Map<String, String> text = new LinkedHashMap<>();
                if (in.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
                    String parameters = Png.readText(bytes, in.toString()).get("parameters");
                    if (parameters != null) text.put("parameters", parameters);
                }
                text.put("postprocessing", format(r.info()));
                out.println(write(outDir, ModelsFolder.stem(in), Png.encode(r.image().rgb(), r.image().width(), r.image().height(), text)));
            }
            bar.update(Progress.Phase.UPSCALE, inputs.size(), inputs.size());
        } catch (RuntimeException | IOException e) {
            bar.clear();
            throw e;
        }
        return 0;
    }

    private static List<Path> inputs(Arguments a) throws IOException {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < a.positionals().size(); i++) {
            Path p = a.positionalPath(i, "IN");
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(Files::isRegularFile).filter(f -> IMAGE_EXTENSIONS.stream().anyMatch(e -> f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(e)))
                            .sorted().forEach(files::add);
                }
            } else if (Files.isRegularFile(p)) files.add(p);
            else throw new CommandException(p + ": no such file or folder");
        }
        if (files.isEmpty()) throw new CommandException("no images found in " + a.positionals());
        return files;
    }

    private static String format(Map<String, String> info) {
        List<String> parts = new ArrayList<>();
        info.forEach((k, v) -> parts.add(k + ": " + v));
        return String.join(", ", parts);
    }

    /** {@code NNNNN-<input name>.png} with the next free number; a name taken meanwhile moves on. */
    private static Path write(Path dir, String stem, byte[] png) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path target = dir.resolve(String.format("%05d-%s.png", OutputFiles.nextNumber(dir), stem));
            try {
                OutputFiles.writeNew(target, png);
                return target;
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) throw e;
            }
        }
    }
}
