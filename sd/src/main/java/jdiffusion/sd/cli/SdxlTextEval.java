package jdiffusion.sd.cli;

import jdiffusion.kernels.opencl.DeviceSelector;
import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.SdxlTextEncoders;
import jdiffusion.sd.clip.ClipTextEncoder;
import jdiffusion.sd.clip.ClipTextOutput;
import jdiffusion.sd.clip.ClipTokenizer;
import jdiffusion.sd.clip.ClipTokenizerException;
import jdiffusion.sd.pipeline.PipelineException;
import jdiffusion.sd.pipeline.SdxlConditioner;
import jdiffusion.sd.pipeline.SdxlConditioning;
import jdiffusion.sd.pipeline.SdxlSizeConditioning;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.Tensor;

import java.io.PrintStream;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static jdiffusion.sd.cli.EvalCommand.host;
import static jdiffusion.sd.cli.EvalCommand.input;
import static jdiffusion.sd.cli.EvalCommand.timed;

/**
 * {@code jsd eval sdxl-text} and {@code sdxl-conditioner}: SDXL's two text encoders on given token ids, and the WebUI
 * conditioning of given prompts and size values, under the names of the sdxl/ golden files.
 */
final class SdxlTextEval {
    private SdxlTextEval() {}

    static final String TEXT = "sdxl-text", CONDITIONER = "sdxl-conditioner";

    static boolean handles(String component) { return component.equals(TEXT) || component.equals(CONDITIONER); }

    static Map<String, Tensor> evaluate(EvalCommand.Request r, PrintStream err) {
        if (!r.loras().isEmpty()) throw new EvalCommand.EvalException("--lora is not supported for " + r.component() + " yet");
        if (r.vae() != null) throw new EvalCommand.EvalException("--vae has no effect on " + r.component());
        try (Backend backend = DeviceSelector.open(r.device());
             SdxlTextEncoders text = SdxlTextEncoders.open(r.model());
             SafeTensors in = EvalCommand.openInputs(r.inputs())) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            if (r.component().equals(TEXT)) encoders(r, backend, text, in, out, err);
            else conditioner(r, backend, text, in, out, err);
            return out;
        }
    }

    private static int[][] ids(SafeTensors in, String name) {
        try {
            return ClipTextEncoder.ids(input(in, name, TEXT));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new EvalCommand.EvalException(in.path() + ": " + name + ": " + e.getMessage());
        }
    }

    private static void encoders(EvalCommand.Request r, Backend b, SdxlTextEncoders text, SafeTensors in, Map<String, Tensor> out, PrintStream err) {
        int[][] ids2 = ids(in, "input_ids_2"), ids1 = text.hasClipL() ? ids(in, "input_ids_1") : null;
        ClipTextEncoder g = new ClipTextEncoder(b, new Weights(text.bigG()), text.bigGConfig());
        ClipTextEncoder l = text.hasClipL() ? new ClipTextEncoder(b, new Weights(text.clipL()), text.clipLConfig()) : null;
        record Outputs(ClipTextOutput l, ClipTextOutput g) {}
        Outputs o = timed(TEXT, r.repeat(), err, () -> EvalCommand.checked(in, () -> new Outputs(l == null ? null : l.forward(b, ids1), g.forward(b, ids2))));
        int layers2 = o.g().hiddenStates().size() - 1;
        if (o.l() != null) {
            int layers1 = o.l().hiddenStates().size() - 1;
            out.put("te1.penultimate", host(o.l().hiddenStates().get(layers1 - 1)));
            out.put("te1.last_hidden_state", host(o.l().lastHiddenState()));
        }
        out.put("te2.penultimate", host(o.g().hiddenStates().get(layers2 - 1)));
        out.put("te2.last_hidden_state", host(o.g().lastHiddenState()));
        out.put("te2.text_embeds", host(o.g().textEmbeds()));
        if (o.l() != null)
            out.put("prompt_embeds", host(b.concat(2, o.l().hiddenStates().get(o.l().hiddenStates().size() - 2), o.g().hiddenStates().get(layers2 - 1))));
        if (r.intermediates()) {
            if (o.l() != null) for (int i = 0; i < o.l().hiddenStates().size(); i++) out.put("te1.hidden_states." + i, host(o.l().hiddenStates().get(i)));
            for (int i = 0; i < o.g().hiddenStates().size(); i++) out.put("te2.hidden_states." + i, host(o.g().hiddenStates().get(i)));
            out.put("te2.pooled_unprojected", host(o.g().pooled()));
        }
    }

    private static void conditioner(EvalCommand.Request r, Backend b, SdxlTextEncoders text, SafeTensors in, Map<String, Tensor> out, PrintStream err) {
        ClipTokenizer tokenizer;
        try {
            tokenizer = ClipTokenizer.load(ClipTokenizer.locate(r.tokenizer(), Files.isDirectory(r.model()) ? r.model() : null));
        } catch (ClipTokenizerException e) {
            throw new EvalCommand.EvalException(e.getMessage());
        }
        float[] original = row(in, "input.original_size_as_tuple", 2, r.prompts().size());
        float[] crop = row(in, "input.crop_coords_top_left", 2, r.prompts().size());
        float[] last = text.aestheticScore() ? row(in, "input.aesthetic_score", 1, r.prompts().size())
                : row(in, "input.target_size_as_tuple", 2, r.prompts().size());
        SdxlSizeConditioning size = text.aestheticScore()
                ? new SdxlSizeConditioning(original[0], original[1], crop[0], crop[1], original[0], original[1], last[0])
                : new SdxlSizeConditioning(original[0], original[1], crop[0], crop[1], last[0], last[1], 0);
        SdxlConditioner conditioner = new SdxlConditioner(b, text, tokenizer, null);
        List<SdxlConditioning> conds = timed(CONDITIONER, r.repeat(), err, () -> {
            try {
                return conditioner.encode(r.prompts(), size, r.negative());
            } catch (PipelineException | IllegalArgumentException e) {
                throw new EvalCommand.EvalException(e.getMessage());
            }
        });
        int n = conds.size(), tokens = conds.getFirst().crossattn().tokens(), dim = conds.getFirst().crossattn().dim(), v = conds.getFirst().vector().length;
        float[] cross = new float[n * tokens * dim], vector = new float[n * v];
        for (int i = 0; i < n; i++) {
            System.arraycopy(conds.get(i).crossattn().values(), 0, cross, i * tokens * dim, tokens * dim);
            System.arraycopy(conds.get(i).vector(), 0, vector, i * v, v);
        }
        out.put("crossattn", Tensor.of(cross, n, tokens, dim));
        out.put("vector", Tensor.of(vector, n, v));
    }

    /** The batch's one row of a size input ({@code [B, width]}, every row equal, as the WebUI builds them). */
    private static float[] row(SafeTensors in, String name, int width, int batch) {
        Tensor t = input(in, name, CONDITIONER);
        if (t.rank() != 2 || t.size(1) != width || t.size(0) != batch)
            throw new EvalCommand.EvalException(in.path() + ": " + name + " must be [" + batch + ", " + width + "] (one row per --prompt), got "
                    + java.util.Arrays.toString(t.shape()));
        float[] all = t.toFloatArray();
        for (int i = width; i < all.length; i++)
            if (all[i] != all[i % width])
                throw new EvalCommand.EvalException(in.path() + ": " + name + " differs between prompts; the conditioner takes one size for the batch");
        return java.util.Arrays.copyOf(all, width);
    }
}
