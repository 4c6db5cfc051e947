package jdiffusion.sd.sample;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The WebUI's samplers (AUTOMATIC1111 1.10) by name: the k-diffusion ones ({@link SamplerSpec}) and
 * the timestep ones DDIM, DDIM CFG++, PLMS, UniPC ({@link TimestepSamplerSpec}), found case-insensitively by label
 * ("DPM++ 2M"), alias ("k_dpmpp_2m") or k-diffusion id ("dpmpp_2m", "sample_dpmpp_2m"). Legacy names
 * with a schedule suffix ("DPM++ 2M Karras") resolve to the sampler plus that schedule.
 */
public final class Samplers {
    private Samplers() {}

    private static final ScheduleType U = ScheduleType.UNIFORM, K = ScheduleType.KARRAS, E = ScheduleType.EXPONENTIAL;

    private static final List<SamplerSpec> ALL = List.of(
            spec("DPM++ 2M", "dpmpp_2m", List.of("k_dpmpp_2m"), DpmPp2m::new, K, false, false, false, false),
            spec("DPM++ SDE", "dpmpp_sde", List.of("k_dpmpp_sde"), DpmPpSde::new, K, false, true, true, false),
            spec("DPM++ 2M SDE", "dpmpp_2m_sde", List.of("k_dpmpp_2m_sde"), DpmPp2mSde::new, E, false, false, true, false),
            spec("DPM++ 2M SDE Heun", "dpmpp_2m_sde_heun", List.of("k_dpmpp_2m_sde_heun"), DpmPp2mSde::heunSolver, E, false, false, true, false),
            spec("DPM++ 2S a", "dpmpp_2s_ancestral", List.of("k_dpmpp_2s_a"), DpmPp2sAncestral::new, K, false, true, false, true),
            spec("DPM++ 3M SDE", "dpmpp_3m_sde", List.of("k_dpmpp_3m_sde"), DpmPp3mSde::new, E, true, false, true, false),
            spec("Euler a", "euler_ancestral", List.of("k_euler_a", "k_euler_ancestral"), EulerAncestral::new, U, false, false, false, true),
            spec("Euler", "euler", List.of("k_euler"), Euler::new, U, false, false, false, false),
            spec("LMS", "lms", List.of("k_lms"), Lms::new, U, false, false, false, false),
            spec("Heun", "heun", List.of("k_heun"), Heun::new, U, false, true, false, false),
            spec("DPM2", "dpm_2", List.of("k_dpm_2"), Dpm2::new, K, true, true, false, false),
            spec("DPM2 a", "dpm_2_ancestral", List.of("k_dpm_2_a"), Dpm2Ancestral::new, K, true, true, false, true),
            spec("DPM fast", "dpm_fast", List.of("k_dpm_fast"), DpmFast::new, U, false, false, false, true),
            spec("DPM adaptive", "dpm_adaptive", List.of("k_dpm_ad"), DpmAdaptive::new, U, false, false, false, true),
            spec("Restart", "restart", List.of("restart"), Restart::new, K, false, true, false, false),
            spec("LCM", "lcm", List.of("k_lcm"), Lcm::new, U, false, false, false, false));

    private static SamplerSpec spec(String label, String id, List<String> aliases, java.util.function.Supplier<KSampler> f,
                                    ScheduleType schedule, boolean discard, boolean second, boolean brownian, boolean ensd) {
        return new SamplerSpec(label, id, aliases, f, schedule, discard, second, brownian, ensd);
    }

    private static final List<TimestepSamplerSpec> TIMESTEP = List.of(
            new TimestepSamplerSpec("DDIM", List.of("ddim"), WebUiDdim::new),
            new TimestepSamplerSpec("DDIM CFG++", List.of("ddim_cfgpp"), WebUiDdimCfgPp::new, 1f / 12.5f),
            new TimestepSamplerSpec("PLMS", List.of("plms"), WebUiPlms::new),
            new TimestepSamplerSpec("UniPC", List.of("unipc"), WebUiUniPc::new));

    /** Every k-diffusion sampler, in the WebUI's order. */
    public static List<SamplerSpec> all() { return ALL; }

    /** The WebUI's timestep samplers: DDIM, DDIM CFG++, PLMS, UniPC. */
    public static List<TimestepSamplerSpec> timestepSamplers() { return TIMESTEP; }

    /** A sampler and the schedule its name asked for (AUTOMATIC unless the name carried a schedule suffix). */
    public record Choice(WebUiSampler sampler, ScheduleType schedule) {}

    public static Optional<WebUiSampler> find(String name) {
        String key = normalise(name);
        for (SamplerSpec s : ALL) {
            if (normalise(s.label()).equals(key) || normalise(s.kdiffusionId()).equals(key)
                    || normalise("sample_" + s.kdiffusionId()).equals(key)) return Optional.of(s);
            for (String a : s.aliases()) if (normalise(a).equals(key)) return Optional.of(s);
        }
        for (TimestepSamplerSpec s : TIMESTEP) {
            if (normalise(s.label()).equals(key)) return Optional.of(s);
            for (String a : s.aliases()) if (normalise(a).equals(key)) return Optional.of(s);
        }
        return Optional.empty();
    }

    /** The sampler named {@code name}, or an exception listing the valid names. */
    public static WebUiSampler byName(String name) {
        return find(name).orElseThrow(() -> unknown(name));
    }

    /** The k-diffusion sampler named {@code name}; a timestep sampler's name (DDIM...) is an error saying so. */
    public static SamplerSpec kdiffusion(String name) {
        WebUiSampler s = byName(name);
        if (s instanceof SamplerSpec k) return k;
        throw new SamplingException("'" + name + "' is a timestep sampler (DDIM, PLMS, UniPC), not a k-diffusion one");
    }

    /** Like {@link #byName} but also accepts legacy "&lt;sampler&gt; &lt;schedule&gt;" names such as "DPM++ 2M Karras". */
    public static Choice resolve(String name) {
        Optional<WebUiSampler> direct = find(name);
        if (direct.isPresent()) return new Choice(direct.get(), ScheduleType.AUTOMATIC);
        for (ScheduleType t : ScheduleType.values()) {
            if (t == ScheduleType.AUTOMATIC) continue;
            String suffix = " " + t.label().toLowerCase(Locale.ROOT);
            String lower = name.trim().toLowerCase(Locale.ROOT);
            if (lower.endsWith(suffix)) {
                Optional<WebUiSampler> s = find(name.trim().substring(0, lower.length() - suffix.length()));
                if (s.isPresent()) return new Choice(s.get(), t);
            }
            String idSuffix = "_" + t.id();
            if (lower.endsWith(idSuffix)) {
                Optional<WebUiSampler> s = find(lower.substring(0, lower.length() - idSuffix.length()));
                if (s.isPresent()) return new Choice(s.get(), t);
            }
        }
        if (name.trim().toLowerCase(Locale.ROOT).endsWith("_ka")) {
            Optional<WebUiSampler> s = find(name.trim().substring(0, name.trim().length() - 3));
            if (s.isPresent()) return new Choice(s.get(), ScheduleType.KARRAS);
        }
        throw unknown(name);
    }

    /** The valid names, for help texts. */
    public static List<String> labels() {
        List<String> l = new ArrayList<>();
        for (SamplerSpec s : ALL) l.add(s.label());
        for (TimestepSamplerSpec s : TIMESTEP) l.add(s.label());
        return l;
    }

    private static SamplingException unknown(String name) {
        return new SamplingException("unknown sampler '" + name + "'; valid samplers: "
                + String.join(", ", labels())
                + " (or their k-diffusion ids such as euler_ancestral, dpmpp_2m)");
    }

    private static String normalise(String s) {
        return s.trim().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
    }
}
