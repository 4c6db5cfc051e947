package jdiffusion.tools.schedule;

import jdiffusion.sd.checkpoint.Checkpoint;
import jdiffusion.sd.pipeline.StableDiffusionModel;
import jdiffusion.sd.sample.KDiffusionDenoiser;
import jdiffusion.sd.sample.NoiseSchedule;
import jdiffusion.sd.sample.Prediction;
import jdiffusion.sd.sample.SamplerSpec;
import jdiffusion.sd.sample.Samplers;
import jdiffusion.sd.sample.ScheduleType;
import jdiffusion.sd.sample.TimestepSamplerSpec;
import jdiffusion.sd.sample.WebUiSampler;
import jdiffusion.tensor.json.Json;
import jdiffusion.tools.Arguments;
import jdiffusion.tools.Command;
import jdiffusion.tools.CommandException;
import jdiffusion.tools.Options;
import jdiffusion.tools.TextTable;
import jdiffusion.tools.plot.Charts;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code jsd schedule}: the sigmas and timesteps a run samples at, for one or more samplers and schedule types, from
 * the same code a generation uses ({@link SamplerSpec#sigmas}, {@link TimestepSamplerSpec#timesteps}), as a table and
 * optionally a chart.
 */
public final class ScheduleCommand implements Command {

    private static Options options() {
        return new Options()
                .repeated("--sampler", "S", "sampler (default Euler a; repeatable): " + String.join(", ", Samplers.labels()))
                .repeated("--scheduler", "T", "schedule type (default Automatic; repeatable): " + String.join(", ",
                        java.util.Arrays.stream(ScheduleType.values()).map(ScheduleType::label).toList()))
                .alias("--schedule-type", "--scheduler")
                .value("--steps", "N", "sampling steps (default 20)")
                .value("--model", "PATH", "take the noise schedule from this checkpoint or diffusers folder (default: SD's, beta 0.00085..0.012 over 1000 steps)")
                .value("--plot", "PNG", "also draw sigma and timestep per step, the schedules side by side, into this PNG")
                .flag("--json", "print JSON instead of a table");
    }

    @Override public String name() { return "schedule"; }

    @Override public String summary() { return "print (and plot) the sigmas and timesteps a sampler and schedule type step through"; }

    @Override public String help() {
        return "usage: jsd schedule " + options().synopsis() + "\n\n"
                + "For each sampler x schedule type, the noise levels a run of N steps visits, as the WebUI computes them: sigma\n"
                + "(k-diffusion samplers; the last is 0, where sampling ends) and the model timestep t for it (log-sigma\n"
                + "interpolation, fractional); DDIM, PLMS and UniPC step through whole timesteps instead, whatever the schedule\n"
                + "type, shown with the sigma of each. The values are the ones a generation with these settings uses.\n\n"
                + "--json: [{sampler, schedule, sigmas, timesteps}] (timesteps null where sigma is 0).\n\n"
                + options().help();
    }

    /** One sampler x schedule: the sigmas stepped through and the timestep of each (NaN for sigma 0). */
    record Series(String sampler, String schedule, float[] sigmas, float[] timesteps) {
        String title() { return schedule.isEmpty() ? sampler : sampler + " / " + schedule; }
    }

    @Override public int run(List<String> args, PrintStream out, PrintStream err) {
        Arguments a = options().parse(args);
        int steps = a.intValue("--steps", 20, 1, 1000);
        List<String> samplers = a.values("--sampler").isEmpty() ? List.of("Euler a") : a.values("--sampler");
        List<ScheduleType> types = new ArrayList<>();
        for (String t : a.values("--scheduler")) types.add(ScheduleType.parse(t));
        if (types.isEmpty()) types.add(ScheduleType.AUTOMATIC);
        NoiseSchedule schedule = a.has("--model") ? modelSchedule(a.path("--model")) : NoiseSchedule.stableDiffusion();
        List<Series> series = new ArrayList<>();
        for (String name : samplers) {
            Samplers.Choice choice = Samplers.resolve(name);
            WebUiSampler s = choice.sampler();
            if (s instanceof TimestepSamplerSpec ts) {
                if (types.stream().anyMatch(t -> t != ScheduleType.AUTOMATIC))
                    err.println("jsd schedule: " + ts.label() + " steps through whole timesteps; schedule types do not apply to it");
                series.add(timestepSeries(ts, schedule, steps));
                continue;
            }
            SamplerSpec spec = (SamplerSpec) s;
            List<ScheduleType> these = choice.schedule() != ScheduleType.AUTOMATIC ? List.of(choice.schedule()) : types;
            for (ScheduleType t : these) series.add(sigmaSeries(spec, schedule, t, steps));
        }
        if (a.flag("--json")) out.println(Json.writePretty(json(series)));
        else out.print(table(series));
        if (a.has("--plot")) {
            Path png = a.path("--plot");
            plot(png, series, steps);
            err.println("wrote " + png);
        }
        return 0;
    }

    private static NoiseSchedule modelSchedule(Path model) {
        if (!Files.exists(model)) throw new CommandException(model + ": no such model file or folder");
        try (Checkpoint ckpt = Checkpoint.open(model)) {
            return StableDiffusionModel.noiseSchedule(ckpt);
        }
    }

    static Series sigmaSeries(SamplerSpec spec, NoiseSchedule schedule, ScheduleType type, int steps) {
        // the denoiser only maps sigma to t here: the prediction type does not change either
        KDiffusionDenoiser kd = spec.denoiser(schedule, Prediction.EPSILON);
        float[] sigmas = spec.sigmas(kd, steps, type);
        float[] t = new float[sigmas.length];
        for (int i = 0; i < sigmas.length; i++) t[i] = sigmas[i] > 0 ? kd.sigmaToT(sigmas[i]) : Float.NaN;
        ScheduleType effective = type == ScheduleType.AUTOMATIC ? spec.defaultSchedule() : type;
        return new Series(spec.label(), type == ScheduleType.AUTOMATIC ? "Automatic (" + effective.label() + ")" : type.label(), sigmas, t);
    }

    /** A timestep sampler's timesteps, highest first as it steps through them, with the sigma of each. */
    static Series timestepSeries(TimestepSamplerSpec ts, NoiseSchedule schedule, int steps) {
        int[] ascending = ts.timesteps(schedule, steps);
        int n = ascending.length;
        float[] t = new float[n], sigmas = new float[n];
        for (int i = 0; i < n; i++) {
            int step = ascending[n - 1 - i];
            t[i] = step;
            float alpha = schedule.alphaCumprod(step);
            sigmas[i] = (float) Math.sqrt((1 - alpha) / alpha);
        }
        return new Series(ts.label(), "", sigmas, t);
    }

    static String table(List<Series> series) {
        int rows = series.stream().mapToInt(s -> s.sigmas().length).max().orElse(0);
        int cols = 1 + 2 * series.size();
        boolean[] right = new boolean[cols];
        java.util.Arrays.fill(right, true);
        TextTable t = new TextTable(right);
        String[] head = new String[cols], sub = new String[cols];
        head[0] = "";
        sub[0] = "step";
        for (int j = 0; j < series.size(); j++) {
            head[1 + 2 * j] = series.get(j).title();
            head[2 + 2 * j] = "";
            sub[1 + 2 * j] = "sigma";
            sub[2 + 2 * j] = "t";
        }
        t.row(head);
        t.row(sub);
        for (int i = 0; i < rows; i++) {
            String[] r = new String[cols];
            r[0] = "" + i;
            for (int j = 0; j < series.size(); j++) {
                Series s = series.get(j);
                boolean has = i < s.sigmas().length;
                r[1 + 2 * j] = has ? String.format(Locale.ROOT, "%.6f", s.sigmas()[i]) : "";
                r[2 + 2 * j] = !has ? "" : Float.isNaN(s.timesteps()[i]) ? "-" : String.format(Locale.ROOT, "%.3f", s.timesteps()[i]);
            }
            t.row(r);
        }
        return t.render("");
    }

    private static List<Object> json(List<Series> series) {
        List<Object> out = new ArrayList<>();
        for (Series s : series) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sampler", s.sampler());
            m.put("schedule", s.schedule().isEmpty() ? null : s.schedule());
            List<Double> sig = new ArrayList<>(), ts = new ArrayList<>();
            for (int i = 0; i < s.sigmas().length; i++) {
                sig.add((double) s.sigmas()[i]);
                ts.add(Float.isNaN(s.timesteps()[i]) ? null : (double) s.timesteps()[i]);
            }
            m.put("sigmas", sig);
            m.put("timesteps", ts);
            out.add(m);
        }
        return out;
    }

    private static void plot(Path png, List<Series> series, int steps) {
        List<Charts.Line> sigma = new ArrayList<>(), time = new ArrayList<>();
        for (Series s : series) {
            int n = 0;
            for (float v : s.sigmas()) if (v > 0) n++; // a log axis has no 0: the final sigma 0 is left out
            double[] x = new double[n], ys = new double[n], yt = new double[n];
            for (int i = 0, k = 0; i < s.sigmas().length; i++) {
                if (!(s.sigmas()[i] > 0)) continue;
                x[k] = i;
                ys[k] = s.sigmas()[i];
                yt[k++] = s.timesteps()[i];
            }
            sigma.add(new Charts.Line(s.title(), x, ys));
            time.add(new Charts.Line(s.title(), x, yt));
        }
        Charts.sideBySide(png, List.of(
                Charts.lineChart("sigma per step (" + steps + " steps)", "step", "sigma (log scale)", sigma, true),
                Charts.lineChart("model timestep per step", "step", "timestep t", time, false)));
    }
}
