package jdiffusion.bench;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Runs JMH benchmarks (same arguments as the JMH jar, e.g. {@code "FmaPeak|Gemm|Conv" -f 1 -wi 2 -i 3}) and
 * prints each kernel's and model's ({@link ClipTextEncoderBenchmark}, {@link UNetBenchmark}, {@link VaeBenchmark}, {@link RrdbNetBenchmark}) rate in GFLOP/s and as a share of the fp32 peak measured by {@link FmaPeakBenchmark}
 * in the same run (include it in the pattern; without it the report assumes {@value #ASSUMED_PEAK} GFLOP/s;
 * {@code -Djdiffusion.bench.peak=GFLOPS} sets it, for runs on a busy machine where the FMA loop is starved too).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar jdiffusion.bench.BenchReport "FmaPeak|Gemm|Conv"</pre>
 * Models take seconds per call (see {@code bench/README.md}):
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar jdiffusion.bench.BenchReport "FmaPeak|ClipTextEncoder|UNetBenchmark|VaeBenchmark"</pre>
 */
public final class BenchReport {
    static final double ASSUMED_PEAK = 245;

    private BenchReport() {}

    public static void main(String[] args) throws Exception {
        Collection<RunResult> results = new Runner(new CommandLineOptions(args)).run();
        double peak = -1;
        List<String> lines = new ArrayList<>();
        for (RunResult r : results) {
            BenchmarkParams p = r.getParams();
            if (p.getBenchmark().endsWith("fmaChains"))
                peak = p.getThreads() * FmaPeakBenchmark.flopsPerInvocation() / seconds(r) / 1e9;
        }
        String given = System.getProperty("jdiffusion.bench.peak");
        String peakNote = given != null ? "given peak " + given + " GFLOP/s"
                : peak > 0 ? String.format("measured peak %.1f GFLOP/s", peak) : "assumed peak " + ASSUMED_PEAK + " GFLOP/s";
        if (given != null) peak = Double.parseDouble(given);
        else if (peak <= 0) peak = ASSUMED_PEAK;
        for (RunResult r : results) {
            BenchmarkParams p = r.getParams();
            String name = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.', p.getBenchmark().lastIndexOf('.') - 1) + 1);
            double flops;
            String what;
            if (name.startsWith("GemmBenchmark")) {
                flops = GemmBenchmark.flops(p.getParam("shape"));
                what = "linear MxKxN=" + p.getParam("shape") + " W " + p.getParam("weights");
            } else if (name.startsWith("ConvBenchmark")) {
                int batch = Integer.parseInt(p.getParam("batch"));
                flops = ConvBenchmark.flops(p.getParam("shape"), batch);
                what = "conv3x3 HxWxCxO=" + p.getParam("shape") + " batch " + batch + " W " + p.getParam("weights");
            } else if (name.startsWith("ClipTextEncoderBenchmark")) {
                flops = ClipTextEncoderBenchmark.flops();
                what = "CLIP ViT-L/14 text, " + ClipTextEncoderBenchmark.BATCH + "x" + ClipTextEncoderBenchmark.TOKENS + " tokens, W " + p.getParam("weights");
            } else if (name.startsWith("ControlNetStepBenchmark")) {
                int units = Integer.parseInt(p.getParam("units"));
                flops = ControlNetStepBenchmark.flops(units);
                what = "SD1.5 step + " + units + " ControlNet(s), batch " + UNetBenchmark.BATCH + ", 64x64 latent, 512x512 hint, W F16";
            } else if (name.startsWith("SdxlTextEncodersBenchmark")) {
                flops = SdxlTextEncodersBenchmark.flops();
                what = "SDXL CLIP-L + bigG text, " + SdxlTextEncodersBenchmark.BATCH + "x" + SdxlTextEncodersBenchmark.TOKENS + " tokens, W " + p.getParam("weights");
            } else if (name.startsWith("UNetBenchmark")) {
                String model = p.getParam("model") == null ? "sd15" : p.getParam("model");
                int latent = UNetBenchmark.latent(model);
                flops = UNetBenchmark.flops(model);
                what = "UNet " + (model.equals("sdxl") ? "SDXL" : "SD1.5") + " call, batch " + UNetBenchmark.BATCH + ", " + latent + "x" + latent
                        + " latent, W " + p.getParam("weights");
            } else if (name.equals("VaeBenchmark.decode")) {
                flops = VaeBenchmark.decodeFlops();
                what = "VAE decode 64x64 -> 512x512, batch 1, W " + p.getParam("weights");
            } else if (name.equals("VaeBenchmark.encode")) {
                flops = VaeBenchmark.encodeFlops();
                what = "VAE encode 512x512 -> 64x64, batch 1, W " + p.getParam("weights");
            } else if (name.startsWith("RrdbNetBenchmark")) {
                flops = RrdbNetBenchmark.flops();
                what = "ESRGAN RRDBNet nf64 nb23 4x, 256x256 tile, W F32";
            } else if (name.startsWith("FmaPeakBenchmark")) {
                flops = p.getThreads() * FmaPeakBenchmark.flopsPerInvocation();
                what = "FMA peak, " + p.getThreads() + " threads";
            } else continue;
            double s = seconds(r), gflops = flops / s / 1e9;
            lines.add(String.format("%-58s %11.3f ms %8.1f GFLOP/s %6.1f %%", what, s * 1e3, gflops, 100 * gflops / peak));
        }
        System.out.println();
        System.out.println("jdiffusion kernels and models, " + peakNote);
        lines.forEach(System.out::println);
    }

    /** The primary score (average or single-shot time per invocation) in seconds. */
    private static double seconds(RunResult r) {
        double score = r.getPrimaryResult().getScore();
        String unit = r.getPrimaryResult().getScoreUnit();
        if (unit.startsWith("ms")) return score * 1e-3;
        if (unit.startsWith("us")) return score * 1e-6;
        if (unit.startsWith("ns")) return score * 1e-9;
        if (unit.startsWith("s/")) return score;
        throw new IllegalStateException("benchmark mode must be AverageTime or SingleShotTime, score unit is " + unit);
    }
}
