package jdiffusion.tools.devices;

import jdiffusion.kernels.opencl.DeviceSelector;
import jdiffusion.kernels.opencl.OpenClDevice;
import jdiffusion.kernels.opencl.OpenClDevices;
import jdiffusion.kernels.opencl.OpenClUnavailableException;
import jdiffusion.tools.Command;
import jdiffusion.tools.Options;
import jdiffusion.tools.Quantities;
import jdiffusion.tools.TextTable;

import java.io.PrintStream;
import java.util.List;

/**
 * {@code jsd devices}: the values {@code --device} accepts on this machine, with each OpenCL device's platform,
 * kind, memory and compute units. A machine without OpenCL gets one line saying so and how to get it.
 */
public final class DevicesCommand implements Command {
    private static Options options() { return new Options(); }

    @Override public String name() { return "devices"; }

    @Override public String summary() { return "list the devices --device accepts: cpu and every OpenCL device"; }

    @Override public String help() {
        return "usage: jsd devices\n\n"
                + "Lists the compute devices of this machine as --device names them: " + DeviceSelector.HELP + ".\n"
                + "For OpenCL devices it shows platform, kind, global memory and compute units.\n";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        options().parse(args);
        TextTable table = new TextTable(false, false, false, false, true, true);
        table.row("DEVICE", "NAME", "PLATFORM", "KIND", "MEMORY", "UNITS");
        table.row("cpu", "Vector API on all cores", "Java " + Runtime.version().feature(), "CPU", "heap",
                String.valueOf(Runtime.getRuntime().availableProcessors()));
        table.row("reference", "scalar yardstick (slow)", "Java " + Runtime.version().feature(), "CPU", "heap", "1");
        String missing = null;
        try {
            for (OpenClDevice d : OpenClDevices.list())
                table.row("opencl:" + d.index(), d.name(), d.platform(), d.gpu() ? "GPU" : "CPU/other",
                        Quantities.bytes(d.globalMemoryBytes()), String.valueOf(d.computeUnits()));
        } catch (OpenClUnavailableException e) {
            missing = e.getMessage();
        }
        out.print(table.render(""));
        if (missing != null) out.println("opencl: " + missing);
        return 0;
    }
}
