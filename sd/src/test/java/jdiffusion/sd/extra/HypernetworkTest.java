package jdiffusion.sd.extra;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.nn.Weights;
import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.extra.LegacyTorchFile.FloatTensor;
import jdiffusion.sd.unet.UNet;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static jdiffusion.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * WebUI hypernetworks built from the format's definition (there is no golden): a {@code .pt} written as torch.save's
 * legacy layout and the same network as {@code .safetensors}, checked against a hand computation of
 * {@code x + mlp(x) * multiplier}, where the Sequential indices count activations, layer norms and dropouts.
 */
class HypernetworkTest {
    static final int DIM = 4;
    static final List<Integer> STRUCTURE = List.of(1, 2, 2, 1);

    /** Sequential index of each parameterised layer for [1,2,2,1], relu, layer norm, use_dropout, activate_output false. */
    static final int[] LINEAR_INDEX = {0, 4, 7}, NORM_INDEX = {2, 6, 8};

    record Mlp(float[][] w, float[][] b, float[][] g, float[][] beta) {}

    static Mlp randomMlp(Random r) {
        int n = STRUCTURE.size() - 1;
        float[][] w = new float[n][], b = new float[n][], g = new float[n][], beta = new float[n][];
        for (int i = 0; i < n; i++) {
            int in = DIM * STRUCTURE.get(i), out = DIM * STRUCTURE.get(i + 1);
            w[i] = random(r, out * in, 0.5f);
            b[i] = random(r, out, 0.1f);
            g[i] = random(r, out, 0.1f);
            for (int j = 0; j < out; j++) g[i][j] += 1f;
            beta[i] = random(r, out, 0.1f);
        }
        return new Mlp(w, b, g, beta);
    }

    static float[] random(Random r, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian() * scale;
        return a;
    }

    /** The module by hand, in double: Linear, ReLU (not after the last), LayerNorm, then x + h * m. */
    static float[] byHand(Mlp mlp, float[] x, double m) {
        int rows = x.length / DIM;
        float[] out = new float[x.length];
        for (int row = 0; row < rows; row++) {
            double[] h = new double[DIM];
            for (int i = 0; i < DIM; i++) h[i] = x[row * DIM + i];
            for (int l = 0; l < STRUCTURE.size() - 1; l++) {
                int in = h.length, o = DIM * STRUCTURE.get(l + 1);
                double[] y = new double[o];
                for (int j = 0; j < o; j++) {
                    double s = mlp.b[l][j];
                    for (int i = 0; i < in; i++) s += mlp.w[l][j * in + i] * h[i];
                    y[j] = l < STRUCTURE.size() - 2 ? Math.max(0, s) : s;
                }
                double mean = 0, var = 0;
                for (double v : y) mean += v / o;
                for (double v : y) var += (v - mean) * (v - mean) / o;
                for (int j = 0; j < o; j++) y[j] = (y[j] - mean) / Math.sqrt(var + 1e-5) * mlp.g[l][j] + mlp.beta[l][j];
                h = y;
            }
            for (int i = 0; i < DIM; i++) out[row * DIM + i] = (float) (x[row * DIM + i] + h[i] * m);
        }
        return out;
    }

    static Map<String, FloatTensor> stateDict(Mlp mlp) {
        Map<String, FloatTensor> sd = new LinkedHashMap<>();
        int width = mlp.beta[mlp.beta.length - 1].length;
        for (int l = 0; l < STRUCTURE.size() - 1; l++) {
            int in = width * STRUCTURE.get(l), out = width * STRUCTURE.get(l + 1);
            sd.put("linear." + LINEAR_INDEX[l] + ".weight", new FloatTensor(mlp.w[l], out, in));
            sd.put("linear." + LINEAR_INDEX[l] + ".bias", new FloatTensor(mlp.b[l], out));
            sd.put("linear." + NORM_INDEX[l] + ".weight", new FloatTensor(mlp.g[l], out));
            sd.put("linear." + NORM_INDEX[l] + ".bias", new FloatTensor(mlp.beta[l], out));
        }
        return sd;
    }

    static Path writePt(Path dir, String name, int width, Mlp k, Mlp v) throws IOException {
        Map<Object, Object> root = new LinkedHashMap<>();
        root.put(width, List.of(stateDict(k), stateDict(v)));
        root.put("step", 1000);
        root.put("name", name);
        root.put("layer_structure", STRUCTURE);
        root.put("activation_func", "relu");
        root.put("is_layer_norm", true);
        root.put("weight_initialization", "Normal");
        root.put("use_dropout", true);
        root.put("activate_output", false);
        root.put("last_layer_dropout", false);
        root.put("sd_checkpoint", null);
        Path p = dir.resolve(name + ".pt");
        Files.write(p, LegacyTorchFile.write(root));
        return p;
    }

    static Path writeSafetensors(Path dir, String name, int width, Mlp k, Mlp v) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        int i = 0;
        for (Mlp m : List.of(k, v)) {
            for (Map.Entry<String, FloatTensor> e : stateDict(m).entrySet())
                t.put(width + "." + i + "." + e.getKey(), Tensor.of(e.getValue().values(), e.getValue().shape()));
            i++;
        }
        Path p = dir.resolve(name + ".safetensors");
        SafeTensorsWriter.write(p, t, Map.of("layer_structure", "[1, 2, 2, 1]", "activation_func", "\"relu\"", "is_layer_norm", "true",
                "use_dropout", "true", "activate_output", "false"), true);
        return p;
    }

    @Test
    void keyAndValueContextsAreTheInputPlusTheScaledMlpInBothFileForms(@TempDir Path dir) throws IOException {
        Random r = new Random(7);
        Mlp k = randomMlp(r), v = randomMlp(r);
        float[] x = random(r, 2 * 3 * DIM, 1f);
        try (Backend b = new CpuBackend()) {
            for (Path file : List.of(writePt(dir, "hn", DIM, k, v), writeSafetensors(dir, "hn2", DIM, k, v))) {
                Hypernetwork hn = Hypernetwork.load(file);
                assertEquals(java.util.Set.of(DIM), hn.widths());
                HypernetworkContext ctx = new HypernetworkContext(List.of(new HypernetworkContext.Active(hn, 0.6)));
                Tensor context = b.fromFloats(x, 2, 3, DIM);
                assertClose(byHand(k, x, 0.6), b.toFloatArray(ctx.keys(b, context)), 1e-5, 0, file + " keys");
                assertClose(byHand(v, x, 0.6), b.toFloatArray(ctx.values(b, context)), 1e-5, 0, file + " values");
                Tensor other = b.fromFloats(new float[2 * 5], 1, 2, 5);
                assertTrue(ctx.keys(b, other) == other, "a context of an untrained width passes unchanged");
            }
        }
    }

    @Test
    void twoHypernetworksApplyInTurn(@TempDir Path dir) throws IOException {
        Random r = new Random(11);
        Mlp k1 = randomMlp(r), v1 = randomMlp(r), k2 = randomMlp(r), v2 = randomMlp(r);
        float[] x = random(r, 3 * DIM, 1f);
        try (Backend b = new CpuBackend()) {
            HypernetworkContext ctx = new HypernetworkContext(List.of(
                    new HypernetworkContext.Active(Hypernetwork.load(writePt(dir, "a", DIM, k1, v1)), 1.0),
                    new HypernetworkContext.Active(Hypernetwork.load(writePt(dir, "b", DIM, k2, v2)), 0.5)));
            float[] expected = byHand(k2, byHand(k1, x, 1.0), 0.5);
            assertClose(expected, b.toFloatArray(ctx.keys(b, b.fromFloats(x, 1, 3, DIM))), 1e-5, 0, "stacked keys");
        }
    }

    /** In the UNet it changes every attention whose context has a trained width (tiny model: text 32 wide, level-0 tokens 32 wide). */
    @Test
    void theUNetUsesItAndAZeroMultiplierLeavesTheOutputUnchanged(@TempDir Path dir) throws IOException {
        Random r = new Random(3);
        try (Backend b = new CpuBackend(); Checkpoint ckpt = Checkpoint.open(Golden.model("tiny-sd15.safetensors"));
             Golden.Case c = Golden.open("unet/tiny-sd15_unet_t500")) {
            int width = ckpt.config().unet().contextDim();
            Hypernetwork hn = Hypernetwork.load(writeSafetensors(dir, "hn", width, randomMlp32(r, width), randomMlp32(r, width)));
            UNet base = new UNet(b, new Weights(ckpt.unet()), ckpt.config().unet());
            float[] plain = base.forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"), null).toFloatArray();
            UNet zero = new UNet(b, new Weights(ckpt.unet()), ckpt.config().unet(), new HypernetworkContext(List.of(new HypernetworkContext.Active(hn, 0))));
            float[] same = zero.forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"), null).toFloatArray();
            assertClose(plain, same, 1e-6, 0, "multiplier 0");
            UNet on = new UNet(b, new Weights(ckpt.unet()), ckpt.config().unet(), new HypernetworkContext(List.of(new HypernetworkContext.Active(hn, 1))));
            float[] changed = on.forward(c.tensor("sample"), c.tensor("timestep"), c.tensor("encoder_hidden_states"), null).toFloatArray();
            assertTrue(jdiffusion.tensor.testing.TensorAssert.maxAbsDiff(plain, changed) > 1e-3, "the hypernetwork changes the noise prediction");
        }
    }

    static Mlp randomMlp32(Random r, int width) {
        if (width != DIM) {
            // the hand-check structure scaled to the model's width
            int n = STRUCTURE.size() - 1;
            float[][] w = new float[n][], bias = new float[n][], g = new float[n][], beta = new float[n][];
            for (int i = 0; i < n; i++) {
                int in = width * STRUCTURE.get(i), out = width * STRUCTURE.get(i + 1);
                w[i] = random(r, out * in, 0.2f);
                bias[i] = random(r, out, 0.1f);
                g[i] = random(r, out, 0.1f);
                for (int j = 0; j < out; j++) g[i][j] += 1f;
                beta[i] = random(r, out, 0.1f);
            }
            return new Mlp(w, bias, g, beta);
        }
        return randomMlp(r);
    }

    @Test
    void weightsThatDoNotFitTheOptionsAreAnErrorNamingTheFile(@TempDir Path dir) throws IOException {
        Map<Object, Object> root = new LinkedHashMap<>();
        root.put(DIM, List.of(Map.of("linear.0.weight", new FloatTensor(new float[8 * DIM], 8, DIM)), Map.of()));
        root.put("layer_structure", STRUCTURE);
        Path p = dir.resolve("broken.pt");
        Files.write(p, LegacyTorchFile.write(root));
        String m = assertThrows(ExtraNetworkException.class, () -> Hypernetwork.load(p)).getMessage();
        assertTrue(m.contains("broken.pt") && m.contains("linear.0.bias"), m);

        root.put("activation_func", "frobnicate");
        Files.write(p, LegacyTorchFile.write(root));
        m = assertThrows(ExtraNetworkException.class, () -> Hypernetwork.load(p)).getMessage();
        assertTrue(m.contains("broken.pt") && m.contains("frobnicate"), m);
    }
}
