package jdiffusion.tools;

import jdiffusion.tools.devices.DevicesCommand;
import jdiffusion.tools.diff.DiffCommand;
import jdiffusion.tools.eval.EvalToolCommand;
import jdiffusion.tools.generate.GenerateCommand;
import jdiffusion.tools.inspect.InspectCommand;
import jdiffusion.tools.modelfile.ConvertCommand;
import jdiffusion.tools.modelfile.HashCommand;
import jdiffusion.tools.modelfile.MergeCommand;
import jdiffusion.tools.modelfile.PruneCommand;
import jdiffusion.tools.randommodel.RandomModelCommand;
import jdiffusion.tools.schedule.ScheduleCommand;
import jdiffusion.tools.server.ServeCommand;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point of the {@code jsd} command line: {@code jsd <command> [args]}. Exit status 0 on success,
 * 1 when the command fails for a reason it reports, 2 for bad usage.
 *
 * <p>Our own exceptions (any type in a {@code jdiffusion.} package) and I/O errors print one line,
 * {@code jsd: <message>}; a stack trace appears only for bugs, or for every error with {@code JSD_DEBUG=1}.
 */
public final class Main {
    /** Every command, in the order {@code jsd --help} lists them. Add new commands here. */
    static final List<Command> COMMANDS = List.of(
            new InspectCommand(),
            new GenerateCommand(GenerateCommand.Mode.TXT2IMG),
            new GenerateCommand(GenerateCommand.Mode.IMG2IMG),
            new GenerateCommand(GenerateCommand.Mode.INPAINT),
            new ServeCommand(),
            new EvalToolCommand(),
            new HashCommand(),
            new ConvertCommand(),
            new PruneCommand(),
            new MergeCommand(),
            new DiffCommand(),
            new ScheduleCommand(),
            new RandomModelCommand(),
            new DevicesCommand());

    private Main() {}

    public static void main(String[] args) {
        boolean debug = "1".equals(System.getenv("JSD_DEBUG"));
        int status = run(Arrays.asList(args), System.out, System.err, debug);
        System.out.flush();
        System.exit(status);
    }

    /** Runs one command line against the given streams; returns the exit status. Tests call this in-process. */
    public static int run(List<String> args, PrintStream out, PrintStream err, boolean debug) {
        return run(COMMANDS, args, out, err, debug);
    }

    static int run(List<Command> commands, List<String> args, PrintStream out, PrintStream err, boolean debug) {
        if (args.isEmpty()) {
            err.print(overview(commands));
            return 2;
        }
        String first = args.getFirst();
        if (first.equals("--help") || first.equals("-h") || first.equals("help")) {
            if (first.equals("help") && args.size() > 1) return run(commands, List.of(args.get(1), "--help"), out, err, debug);
            out.print(overview(commands));
            return 0;
        }
        Command command = find(commands, first);
        if (command == null) {
            err.println("jsd: unknown command '" + first + "'" + suggestion(commands, first) + "; the commands are:");
            err.print(commandList(commands));
            return 2;
        }
        List<String> rest = args.subList(1, args.size());
        if (asksForHelp(rest)) {
            out.print(command.help());
            return 0;
        }
        String who = "jsd " + command.name();
        try {
            return command.run(rest, out, err);
        } catch (UsageException e) {
            if (debug) e.printStackTrace(err);
            err.println(who + ": " + e.getMessage() + " (see jsd " + command.name() + " --help)");
            return 2;
        } catch (OutOfMemoryError e) {
            if (debug) e.printStackTrace(err);
            err.println(who + ": out of memory (" + Runtime.getRuntime().maxMemory() / (1 << 20)
                    + " MiB heap): give Java more, e.g. JSD_JAVA_OPTS=-Xmx16g");
            return 1;
        } catch (Exception e) {
            if (isOurs(e) || e instanceof IOException || e instanceof UncheckedIOException) {
                if (debug) e.printStackTrace(err);
                err.println("jsd: " + oneLine(e));
                return 1;
            }
            err.println(who + ": internal error (a bug in jsd, please report it with this trace):");
            e.printStackTrace(err);
            return 1;
        }
    }

    private static Command find(List<Command> commands, String name) {
        for (Command c : commands) if (c.name().equals(name)) return c;
        return null;
    }

    private static boolean asksForHelp(List<String> args) {
        for (String a : args) {
            if (a.equals("--")) return false;
            if (a.equals("--help") || a.equals("-h")) return true;
        }
        return false;
    }

    /** Ours: thrown by jdiffusion code for a reason the user can act on, with a message that says it. */
    private static boolean isOurs(Throwable e) {
        return e.getClass().getName().startsWith("jdiffusion.") && e.getMessage() != null;
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage();
        if (e instanceof UncheckedIOException u && u.getCause() != null) return oneLine(u.getCause());
        if (!isOurs(e)) m = e.getClass().getSimpleName().replace("Exception", "") + (m == null ? "" : ": " + m);
        return m.replace('\n', ' ');
    }

    private static String suggestion(List<Command> commands, String typed) {
        for (Command c : commands)
            if (Options.editDistance(typed, c.name()) <= 2) return " (did you mean '" + c.name() + "'?)";
        return "";
    }

    static String overview(List<Command> commands) {
        return "jsd: Stable Diffusion in pure Java\n\n"
                + "usage: jsd <command> [options]     jsd <command> --help for its options\n\n"
                + "commands:\n" + commandList(commands)
                + "\nenvironment: JSD_JAVA_OPTS (JVM options, e.g. -Xmx16g), JSD_DEBUG=1 (stack traces on errors)\n";
    }

    private static String commandList(List<Command> commands) {
        int width = 0;
        for (Command c : commands) width = Math.max(width, c.name().length());
        StringBuilder b = new StringBuilder();
        for (Command c : commands)
            b.append("  ").append(c.name()).append(" ".repeat(width - c.name().length() + 2)).append(c.summary()).append('\n');
        return b.toString();
    }
}
