package jdiffusion.tools;

import java.io.PrintStream;
import java.util.List;

/**
 * One {@code jsd} sub-command. To add one: implement this, then list it in {@link Main#COMMANDS}.
 * Parse the arguments with {@link Options}; write results to {@code out} and progress or warnings to
 * {@code err} (never to {@code System.out}, so tests can capture both). Throw {@link UsageException} for
 * bad arguments, and our own exception types (e.g. {@link CommandException}) for anything the user can fix:
 * {@link Main} prints them as one line.
 */
public interface Command {
    /** The word after {@code jsd}. */
    String name();

    /** One line for the command list of {@code jsd --help}. */
    String summary();

    /** The full text of {@code jsd <name> --help}: usage line, what it does, options (see {@link Options#help}). */
    String help();

    /** Runs the command on the arguments after its name; returns the exit status (0 for success). */
    int run(List<String> args, PrintStream out, PrintStream err) throws Exception;
}
