package jdiffusion.sd.sample.diffusers;

import jdiffusion.sd.sample.SamplingException;

import java.util.List;
import java.util.Locale;

/** diffusers scheduler classes by their {@code _class_name} (or a short name such as "ddim", "euler_a"). */
public final class DiffusersSchedulers {
    private DiffusersSchedulers() {}

    private static final List<String> NAMES = List.of("DDIMScheduler", "PNDMScheduler", "DDPMScheduler",
            "EulerDiscreteScheduler", "EulerAncestralDiscreteScheduler", "LMSDiscreteScheduler",
            "HeunDiscreteScheduler", "DPMSolverMultistepScheduler", "UniPCMultistepScheduler");

    public static TimestepScheduler create(String name, SchedulerConfig config, int steps) {
        return switch (name.toLowerCase(Locale.ROOT).replace("_", "").replace(" ", "")) {
            case "ddimscheduler", "ddim" -> new DdimScheduler(config, steps);
            case "pndmscheduler", "pndm", "plms" -> new PndmScheduler(config, steps);
            case "ddpmscheduler", "ddpm" -> new DdpmScheduler(config, steps);
            case "eulerdiscretescheduler", "euler" -> new EulerDiscreteScheduler(config, steps);
            case "eulerancestraldiscretescheduler", "eulerancestral", "eulera" -> new EulerAncestralDiscreteScheduler(config, steps);
            case "lmsdiscretescheduler", "lms" -> new LmsDiscreteScheduler(config, steps);
            case "heundiscretescheduler", "heun" -> new HeunDiscreteScheduler(config, steps);
            case "dpmsolvermultistepscheduler", "dpmpp2m", "dpmsolver" -> new DpmSolverMultistepScheduler(config, steps);
            case "unipcmultistepscheduler", "unipc" -> new UniPcMultistepScheduler(config, steps);
            default -> throw new SamplingException("unsupported diffusers scheduler '" + name + "'; supported: "
                    + String.join(", ", NAMES));
        };
    }
}
