package jdiffusion.sd.cli;

import jdiffusion.kernels.opencl.DeviceSelector;
import jdiffusion.nn.MissingWeightException;
import jdiffusion.nn.WeightSource;
import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.checkpoint.ModelLoadException;
import jdiffusion.sd.checkpoint.VaeFile;
import jdiffusion.sd.clip.ClipTextEncoder;
import jdiffusion.sd.extra.ActiveLora;
import jdiffusion.sd.extra.ExtraNetworkException;
import jdiffusion.sd.extra.LoraNetwork;
import jdiffusion.sd.extra.MatrixProduct;
import jdiffusion.sd.extra.ModelModules;
import jdiffusion.sd.extra.NetworkTarget;
import jdiffusion.sd.extra.PatchedWeights;
import jdiffusion.sd.clip.ClipTextOutput;
import jdiffusion.sd.unet.UNet;
import jdiffusion.sd.unet.UNetException;
import jdiffusion.sd.vae.AutoencoderKL;
import jdiffusion.sd.vae.LatentDistribution;
import jdiffusion.sd.vae.VaeConfig;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.SafeTensorsException;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * {@code jsd eval clip|vae-decode|vae-encode|unet --model PATH --inputs IN.safetensors --out OUT.safetensors}: runs one
 * model component on tensors from a file and writes its outputs, named as in the golden files, so any
 * implementation can be compared tensor by tensor. Each call's wall time goes to stderr as {@code <component>: 1.23 s}.
 */
public final class EvalCommand {
    private EvalCommand() {}

    public static final String HELP = """
            usage: jsd eval <component> --model PATH --inputs IN.safetensors --out OUT.safetensors [options]

            Runs one model component on the tensors in IN and writes its outputs to OUT.
              clip         input_ids [B,77] (int)  -> last_hidden_state (the conditioning at clip skip 1 as the
                                                       family defines it; SD2: penultimate OpenCLIP layer + final norm),
                                                       penultimate_ln (clip skip 2), pooled_output
              unet         sample [B,C,H,W], timestep ([] or [B], fractional allowed),
                           encoder_hidden_states [B,L,D]  -> noise_pred
              vae-decode   latents [B,4,h,w] in pipeline space (divided by the scaling factor here) -> image (raw)
              vae-encode   image [B,3,H,W] in [-1,1]  -> mean, logvar
              sdxl-text    input_ids_1 [B,77] (CLIP-L; absent for a refiner), input_ids_2 [B,77] (bigG)
                                                    -> te1/te2.penultimate (no final norm), te1/te2.last_hidden_state,
                                                       te2.text_embeds (projected pooled), prompt_embeds
              sdxl-conditioner  --prompt TEXT (repeat for a batch) [--negative], and in IN the size values
                           input.original_size_as_tuple [B,2], input.crop_coords_top_left [B,2],
                           input.target_size_as_tuple [B,2] (base) or input.aesthetic_score [B,1] (refiner)
                                                    -> crossattn, vector (WebUI 1.10 SDXL conditioning)

            options:
              --model PATH            single .safetensors checkpoint (a sibling .yaml wins over detection) or diffusers folder
              --vae PATH              stand-alone VAE file or diffusers vae/ folder instead of the checkpoint's own
              --device DEVICE         cpu (default), opencl, opencl:N (see jsd devices) or reference (slow scalar yardstick)
              --dump-intermediates    also write per-block tensors under the golden files' intermediate names
              --repeat N              run the call N times in this process (timings per call on stderr)
              --prompt TEXT           a prompt for sdxl-conditioner (repeat for a batch)
              --negative              sdxl-conditioner: the prompts are negative prompts (all empty = zeroed)
              --tokenizer PATH        sdxl-conditioner: CLIP tokenizer folder (default: the diffusers folder's tokenizer/,
                                      else the Hugging Face cache)
              --lora FILE[:M[:U]]     merge a LoRA/LyCORIS file into the text encoder (multiplier M, default 1) and the
                                      UNet (U, default M) before running; repeat for several
            """;

    /** Runs the command; returns 0 on success, 1 when the work fails for a stated reason, 2 for bad usage. */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        Request r;
        try {
            r = Request.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("jsd eval: " + e.getMessage() + " (see jsd eval --help)");
            return 2;
        }
        if (r == null) {
            out.print(HELP);
            return 0;
        }
        try {
            Map<String, Tensor> outputs = evaluate(r, err);
            Path parent = r.out.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            SafeTensorsWriter.write(r.out, outputs, Map.of("component", r.component), true);
            out.println("wrote " + outputs.size() + " tensor(s) to " + r.out);
            return 0;
        } catch (ModelLoadException | MissingWeightException | SafeTensorsException | UNetException | EvalException | ExtraNetworkException e) {
            err.println("jsd eval: " + e.getMessage());
            return 1;
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            err.println("jsd eval: " + e.getMessage());
            return 1;
        }
    }

    /** A bad input file or tensor, with a message that names it. */
    static final class EvalException extends RuntimeException {
        EvalException(String message) { super(message); }
    }

    record Request(String component, Path model, Path vae, Path inputs, Path out, String device, boolean intermediates, int repeat,
                   List<LoraOption> loras, List<String> prompts, boolean negative, Path tokenizer) {
        static final List<String> COMPONENTS = List.of("clip", "unet", "vae-decode", "vae-encode", SdxlTextEval.TEXT, SdxlTextEval.CONDITIONER);

        /** The parsed arguments, or null when help was asked for. */
        static Request parse(List<String> args) {
            String component = null, device = "cpu";
            Path model = null, vae = null, inputs = null, out = null, tokenizer = null;
            boolean intermediates = false, negative = false;
            int repeat = 1;
            List<LoraOption> loras = new ArrayList<>();
            List<String> prompts = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                switch (a) {
                    case "-h", "--help" -> { return null; }
                    case "--model" -> model = Path.of(value(args, ++i, a));
                    case "--vae" -> vae = Path.of(value(args, ++i, a));
                    case "--inputs" -> inputs = Path.of(value(args, ++i, a));
                    case "--out" -> out = Path.of(value(args, ++i, a));
                    case "--device" -> device = value(args, ++i, a).toLowerCase(Locale.ROOT);
                    case "--dump-intermediates" -> intermediates = true;
                    case "--lora" -> loras.add(LoraOption.parse(value(args, ++i, a)));
                    case "--prompt" -> {
                        // a prompt may be empty or start with a dash
                        if (++i >= args.size()) throw new IllegalArgumentException("--prompt needs a value");
                        prompts.add(args.get(i));
                    }
                    case "--negative" -> negative = true;
                    case "--tokenizer" -> tokenizer = Path.of(value(args, ++i, a));
                    case "--repeat" -> {
                        String v = value(args, ++i, a);
                        try {
                            repeat = Integer.parseInt(v);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("--repeat needs a whole number, got '" + v + "'");
                        }
                        if (repeat < 1) throw new IllegalArgumentException("--repeat must be at least 1");
                    }
                    default -> {
                        if (a.startsWith("-")) throw new IllegalArgumentException("unknown option '" + a + "'");
                        if (component != null) throw new IllegalArgumentException("unexpected argument '" + a + "'");
                        if (!COMPONENTS.contains(a))
                            throw new IllegalArgumentException("unknown component '" + a + "' (expected one of " + String.join(", ", COMPONENTS) + ")");
                        component = a;
                    }
                }
            }
            if (component == null) throw new IllegalArgumentException("which component? one of " + String.join(", ", COMPONENTS));
            if (model == null) throw new IllegalArgumentException("--model is required");
            if (inputs == null) throw new IllegalArgumentException("--inputs is required");
            if (out == null) throw new IllegalArgumentException("--out is required");
            if (component.equals(SdxlTextEval.CONDITIONER) && prompts.isEmpty())
                throw new IllegalArgumentException(SdxlTextEval.CONDITIONER + " needs --prompt TEXT (repeat it for a batch)");
            if (!component.equals(SdxlTextEval.CONDITIONER) && (!prompts.isEmpty() || negative))
                throw new IllegalArgumentException("--prompt and --negative are for " + SdxlTextEval.CONDITIONER);
            DeviceSelector.parse(device);
            return new Request(component, model, vae, inputs, out, device, intermediates, repeat, List.copyOf(loras), List.copyOf(prompts), negative, tokenizer);
        }

        private static String value(List<String> args, int i, String option) {
            if (i >= args.size() || args.get(i).startsWith("--")) throw new IllegalArgumentException(option + " needs a value");
            return args.get(i);
        }
    }

    /** {@code --lora FILE[:te[:unet]]}: the multipliers are the trailing numeric parts (a path may hold colons). */
    record LoraOption(Path file, double textEncoder, double unet) {
        static LoraOption parse(String v) {
            String[] parts = v.split(":", -1);
            List<Double> numbers = new ArrayList<>();
            int end = parts.length;
            while (end > 1 && numbers.size() < 2) {
                try {
                    numbers.addFirst(Double.parseDouble(parts[end - 1]));
                    end--;
                } catch (NumberFormatException e) {
                    break;
                }
            }
            String file = String.join(":", java.util.Arrays.asList(parts).subList(0, end));
            if (file.isEmpty()) throw new IllegalArgumentException("--lora needs a file, as in --lora style.safetensors:0.7");
            double te = numbers.isEmpty() ? 1.0 : numbers.getFirst();
            double unet = numbers.size() > 1 ? numbers.get(1) : te;
            return new LoraOption(Path.of(file), te, unet);
        }
    }

    /** The component's weights with the requested LoRAs merged in (the checkpoint's own when there are none). */
    private static WeightSource patched(Request r, Backend b, Checkpoint ckpt, NetworkTarget target, PrintStream err) {
        WeightSource base = target == NetworkTarget.UNET ? ckpt.unet() : ckpt.textEncoder();
        if (r.loras.isEmpty()) return base;
        ModelModules modules = ModelModules.of(ckpt, ckpt.path().getFileName().toString());
        List<ActiveLora> active = new ArrayList<>();
        for (LoraOption o : r.loras) {
            if (!Files.isRegularFile(o.file())) throw new EvalException(o.file() + ": no such LoRA file");
            LoraNetwork n = LoraNetwork.load(o.file(), modules);
            if (!n.unmatched().isEmpty())
                err.println("jsd eval: " + o.file() + ": " + n.unmatched().size() + " module(s) match no layer of the model and are skipped, e.g. " + n.unmatched().getFirst());
            active.add(new ActiveLora(n, o.textEncoder(), o.unet()));
        }
        return PatchedWeights.of(base, target, active, MatrixProduct.on(b));
    }

    static Map<String, Tensor> evaluate(Request r, PrintStream err) {
        if (SdxlTextEval.handles(r.component)) return SdxlTextEval.evaluate(r, err);
        try (Backend backend = DeviceSelector.open(r.device);
             Checkpoint ckpt = Checkpoint.open(r.model);
             SafeTensors in = openInputs(r.inputs)) {
            Map<String, Tensor> outputs = new LinkedHashMap<>();
            switch (r.component) {
                case "clip" -> clip(r, backend, ckpt, in, outputs, err);
                case "unet" -> unet(r, backend, ckpt, in, outputs, err);
                case "vae-decode", "vae-encode" -> vae(r, backend, ckpt, in, outputs, err);
                default -> throw new IllegalStateException(r.component);
            }
            return outputs;
        }
    }

    static SafeTensors openInputs(Path p) {
        if (!Files.isRegularFile(p)) throw new EvalException(p + ": no such inputs file");
        return SafeTensors.open(p);
    }

    static Tensor input(SafeTensors in, String name, String component) {
        if (!in.contains(name))
            throw new EvalException(in.path() + ": no tensor \"" + name + "\", which " + component + " reads (it has " + in.names() + ")");
        return in.get(name);
    }

    /** Host F32 copy of an output: the writer needs host tensors, and a later call may reuse backend buffers. */
    static Tensor host(Tensor t) { return Tensor.of(t.toFloatArray(), t.shape()); }

    interface Call<T> { T run(); }

    static <T> T timed(String component, int repeat, PrintStream err, Call<T> call) {
        T result = null;
        for (int i = 0; i < repeat; i++) {
            long start = System.nanoTime();
            result = call.run();
            err.printf(Locale.ROOT, "%s: %.2f s%n", component, (System.nanoTime() - start) / 1e9);
        }
        return result;
    }

    private static void clip(Request r, Backend b, Checkpoint ckpt, SafeTensors in, Map<String, Tensor> out, PrintStream err) {
        int[][] ids;
        try {
            ids = ClipTextEncoder.ids(input(in, "input_ids", "clip"));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new EvalException(in.path() + ": input_ids: " + e.getMessage());
        }
        ClipTextEncoder clip = new ClipTextEncoder(b, new Weights(patched(r, b, ckpt, NetworkTarget.TEXT_ENCODER, err)), ckpt.config().textEncoder());
        ClipTextOutput o = timed("clip", r.repeat, err, () -> {
            try {
                return clip.forward(b, ids);
            } catch (IllegalArgumentException e) {
                throw new EvalException(in.path() + ": input_ids: " + e.getMessage());
            }
        });
        out.put("last_hidden_state", host(o.lastHiddenState()));
        out.put("penultimate_ln", host(o.penultimateLn()));
        out.put("pooled_output", host(o.pooled()));
        if (r.intermediates)
            for (int i = 0; i < o.hiddenStates().size(); i++) out.put("hidden_states." + i, host(o.hiddenStates().get(i)));
    }

    private static void unet(Request r, Backend b, Checkpoint ckpt, SafeTensors in, Map<String, Tensor> out, PrintStream err) {
        Tensor sample = input(in, "sample", "unet"), timestep = input(in, "timestep", "unet"), context = input(in, "encoder_hidden_states", "unet");
        UNet unet = new UNet(b, new Weights(patched(r, b, ckpt, NetworkTarget.UNET, err)), ckpt.config().unet());
        Tensor vector = sdxlVector(unet.config(), in, sample.size(0));
        Map<String, Tensor> taps = new LinkedHashMap<>();
        BiConsumer<String, Tensor> probe = r.intermediates ? (name, t) -> taps.put("intermediate." + name, host(t)) : null;
        Tensor noise = timed("unet", r.repeat, err, () -> {
            taps.clear();
            return unet.forward(sample, timestep, context, vector, probe);
        });
        out.put("noise_pred", host(noise));
        out.putAll(taps);
    }

    /**
     * SDXL's vector from the diffusers names ({@code text_embeds} [B, pooled] and {@code time_ids} [B, 6 or 5]), or given
     * whole as {@code vector}; null for a UNet without one.
     */
    private static Tensor sdxlVector(jdiffusion.sd.unet.UNetConfig config, SafeTensors in, int batch) {
        if (!config.hasVector()) return null;
        if (!in.contains("text_embeds") || !in.contains("time_ids")) {
            if (in.contains("vector")) return in.get("vector");
            throw new EvalException(in.path() + ": an SDXL UNet needs text_embeds [" + batch + ", pooled] and time_ids [" + batch
                    + ", 6 or 5] (or the whole vector [" + batch + ", " + config.vectorDim() + "])");
        }
        float[] y = new jdiffusion.sd.unet.TimeIds(config.timeIdDim()).vector(in.get("text_embeds").toFloatArray(), in.get("time_ids").toFloatArray(), batch);
        if (y.length != batch * config.vectorDim())
            throw new EvalException(in.path() + ": text_embeds and time_ids make a vector of " + y.length / batch + " values, the UNet takes " + config.vectorDim());
        return Tensor.of(y, batch, config.vectorDim());
    }

    private static void vae(Request r, Backend b, Checkpoint ckpt, SafeTensors in, Map<String, Tensor> out, PrintStream err) {
        VaeFile separate = r.vae == null ? null : VaeFile.open(r.vae, ckpt.config().vae());
        try {
            WeightSource weights = separate == null ? ckpt.vae() : separate.weights();
            VaeConfig config = separate == null ? ckpt.config().vae() : separate.config();
            AutoencoderKL vae = new AutoencoderKL(b, new Weights(weights), config);
            Map<String, Tensor> taps = new LinkedHashMap<>();
            BiConsumer<String, Tensor> tap = r.intermediates ? (name, t) -> taps.put("intermediate." + name, host(t)) : (name, t) -> {};
            if (r.component.equals("vae-decode")) {
                Tensor latents = input(in, "latents", "vae-decode");
                Tensor image = timed("vae-decode", r.repeat, err, () -> {
                    taps.clear();
                    return checked(in, () -> vae.decode(b, latents, tap));
                });
                out.put("image", host(image));
            } else {
                Tensor image = input(in, "image", "vae-encode");
                LatentDistribution d = timed("vae-encode", r.repeat, err, () -> {
                    taps.clear();
                    return checked(in, () -> vae.encode(b, image, tap));
                });
                out.put("mean", host(d.mean()));
                out.put("logvar", host(d.logvar()));
            }
            out.putAll(taps);
        } finally {
            if (separate != null) separate.close();
        }
    }

    static <T> T checked(SafeTensors in, Call<T> call) {
        try {
            return call.run();
        } catch (IllegalArgumentException e) {
            throw new EvalException(in.path() + ": " + e.getMessage());
        }
    }
}
