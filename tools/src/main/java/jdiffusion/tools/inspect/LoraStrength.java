package jdiffusion.tools.inspect;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.sd.extra.LoraNetwork;
import jdiffusion.sd.extra.MatrixProduct;
import jdiffusion.sd.extra.WeightDelta;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How strongly a LoRA/LyCORIS file changes each block of the model: per module the Frobenius norm of its merged
 * delta at multiplier 1 ({@code up @ down * alpha / rank} for LoRA, the LyCORIS formulas otherwise: the deltas
 * {@link LoraNetwork} merges), and per block the root of the summed squares of its modules' norms (the norm of all
 * its deltas together).
 */
final class LoraStrength {
    private LoraStrength() {}

    /** One module: its component, block, file name and delta norm. */
    record Module(String component, String block, String key, double norm) {}

    /** One block's modules together. */
    record Block(String component, String block, int modules, double norm) {}

    static List<Module> modules(Path file) {
        Map<String, WeightDelta> deltas = LoraNetwork.deltas(file);
        List<Module> out = new ArrayList<>();
        try (CpuBackend cpu = new CpuBackend()) {
            MatrixProduct mm = MatrixProduct.on(cpu);
            for (Map.Entry<String, WeightDelta> e : deltas.entrySet()) {
                WeightDelta d = e.getValue();
                float[] values = d.compute(new int[]{d.outFeatures(), (int) (d.numel() / d.outFeatures())}, mm);
                double sq = 0;
                for (float v : values) sq += (double) v * v;
                out.add(new Module(ComponentNames.ofLoraKey(e.getKey()), Blocks.ofLoraModule(e.getKey()), e.getKey(), Math.sqrt(sq)));
            }
        }
        return out;
    }

    static List<Block> blocks(List<Module> modules) {
        Map<String, double[]> by = new LinkedHashMap<>();
        Map<String, Module> first = new LinkedHashMap<>();
        for (Module m : modules) {
            String k = m.component() + "\u0000" + m.block();
            double[] acc = by.computeIfAbsent(k, x -> new double[2]);
            acc[0] += m.norm() * m.norm();
            acc[1]++;
            first.putIfAbsent(k, m);
        }
        List<Block> out = new ArrayList<>();
        by.forEach((k, acc) -> out.add(new Block(first.get(k).component(), first.get(k).block(), (int) acc[1], Math.sqrt(acc[0]))));
        return out;
    }
}
