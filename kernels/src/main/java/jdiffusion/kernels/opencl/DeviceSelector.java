package jdiffusion.kernels.opencl;

import jdiffusion.kernels.cpu.CpuBackend;
import jdiffusion.kernels.reference.ReferenceBackend;
import jdiffusion.tensor.Backend;

import java.util.Locale;

/**
 * The {@code --device} option: {@code cpu} (Vector API on all cores), {@code opencl} (the first GPU, else the
 * first OpenCL device), {@code opencl:N} (device N of {@code jsd devices}) or {@code reference} (the slow scalar
 * yardstick, for A/B checks).
 *
 * <pre>
 *   try (Backend backend = DeviceSelector.open(options.get("device", "cpu"))) { ... }
 * </pre>
 */
public final class DeviceSelector {
    public static final String HELP = "cpu, opencl (first GPU), opencl:N (see jsd devices) or reference (slow scalar yardstick)";

    private DeviceSelector() {}

    /** What a spec names, checked without touching any device. */
    public sealed interface Choice {
        record Cpu() implements Choice {}
        record Reference() implements Choice {}
        /** {@code index} is -1 for "the preferred device". */
        record OpenCl(int index) implements Choice {}
    }

    public static Choice parse(String spec) {
        String s = spec == null ? "" : spec.strip().toLowerCase(Locale.ROOT);
        if (s.equals("cpu")) return new Choice.Cpu();
        if (s.equals("reference")) return new Choice.Reference();
        if (s.equals("opencl")) return new Choice.OpenCl(-1);
        if (s.startsWith("opencl:")) {
            String n = s.substring("opencl:".length());
            if (!n.isEmpty() && n.chars().allMatch(Character::isDigit) && n.length() < 6) return new Choice.OpenCl(Integer.parseInt(n));
        }
        throw new DeviceSpecException("unknown device '" + spec + "': use " + HELP);
    }

    /**
     * The backend {@code spec} names, ready to use; the caller closes it.
     *
     * @throws OpenClUnavailableException for an OpenCL spec on a machine without OpenCL or without that device
     */
    public static Backend open(String spec) {
        return switch (parse(spec)) {
            case Choice.Cpu c -> new CpuBackend();
            case Choice.Reference r -> new ReferenceBackend();
            case Choice.OpenCl(int index) -> new OpenClBackend(index < 0 ? OpenClDevices.preferred() : OpenClDevices.get(index));
        };
    }
}
