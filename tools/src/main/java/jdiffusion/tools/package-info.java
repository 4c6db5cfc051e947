/**
 * The {@code jsd} command line. {@link jdiffusion.tools.Main} dispatches {@code jsd <command> [args]} to a
 * {@link jdiffusion.tools.Command} listed in {@code Main.COMMANDS}.
 *
 * <p>Conventions every command follows:
 * <ul>
 *   <li>Declare options with {@link jdiffusion.tools.Options}; its {@code help()} and {@code synopsis()} build the
 *       command's {@code --help}, which Main prints when {@code --help}/{@code -h} appears anywhere before {@code --}.</li>
 *   <li>Results go to the {@code out} stream given to {@code run}, progress and warnings to {@code err}; tests call
 *       {@code Main.run(args, out, err, debug)} in-process and read both.</li>
 *   <li>Exit status: 0 success, 1 failure reported as one line {@code jsd: <message>} (our exception types, i.e.
 *       any class in a {@code jdiffusion.} package, and I/O errors), 2 bad usage ({@link jdiffusion.tools.UsageException}).
 *       Stack traces appear only for bugs, or always with {@code JSD_DEBUG=1}.</li>
 * </ul>
 */
package jdiffusion.tools;
