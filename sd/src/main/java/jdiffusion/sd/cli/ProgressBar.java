package jdiffusion.sd.cli;

import jdiffusion.sd.pipeline.Progress;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar on a terminal stream, redrawn in place with {@code \r}:
 * <pre>  sample [##########..........]  10/20  1.52 s/it  ETA 15.2s</pre>
 * Each phase ends with its total time on its own line. When the stream is not a terminal ({@code interactive} false)
 * only the finished phases are printed, so logs stay readable.
 */
public final class ProgressBar implements Progress {
    private static final int WIDTH = 24;

    private final PrintStream err;
    private final boolean interactive;
    private final LongSupplier clock;
    private Phase phase;
    private long phaseStart, lastTick;
    private int lastDone;
    private double secondsPerUnit;

    public ProgressBar(PrintStream err, boolean interactive) { this(err, interactive, System::nanoTime); }

    ProgressBar(PrintStream err, boolean interactive, LongSupplier clock) {
        this.err = err;
        this.interactive = interactive;
        this.clock = clock;
    }

    @Override
    public synchronized void update(Phase p, int done, int total) {
        long now = clock.getAsLong();
        if (p != phase || done == 0 && lastDone != 0) {
            phase = p;
            phaseStart = lastTick = now;
            lastDone = 0;
            secondsPerUnit = 0;
        }
        if (done > lastDone) {
            // s/it as the mean over the phase so far: stable enough to read, and exact at the end
            secondsPerUnit = (now - phaseStart) / 1e9 / done;
            lastTick = now;
            lastDone = done;
        }
        if (done >= total) {
            double seconds = (now - phaseStart) / 1e9;
            String line = total > 1
                    ? String.format(Locale.ROOT, "%-7s %s %d/%d  %s  total %.2fs", p.label(), bar(1.0), total, total, rate(), seconds)
                    : String.format(Locale.ROOT, "%-7s done in %.2fs", p.label(), seconds);
            err.print((interactive ? "\r\033[K" : "") + line + "\n");
            err.flush();
            phase = null;
            return;
        }
        if (!interactive) return;
        String eta = done == 0 ? "ETA --" : String.format(Locale.ROOT, "ETA %.1fs", secondsPerUnit * (total - done));
        err.print(String.format(Locale.ROOT, "\r\033[K%-7s %s %d/%d  %s  %s", p.label(), bar(total == 0 ? 0 : (double) done / total), done, total,
                done == 0 ? "-- s/it" : rate(), eta));
        err.flush();
    }

    private String rate() {
        return secondsPerUnit >= 1 || secondsPerUnit == 0
                ? String.format(Locale.ROOT, "%.2f s/it", secondsPerUnit)
                : String.format(Locale.ROOT, "%.2f it/s", 1 / secondsPerUnit);
    }

    private static String bar(double fraction) {
        int filled = (int) Math.round(fraction * WIDTH);
        return "[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "]";
    }

    /** Erases a half-drawn bar (before an error message is printed on the same stream). */
    public synchronized void clear() {
        if (interactive && phase != null) {
            err.print("\r\033[K");
            err.flush();
        }
        phase = null;
    }

    @Override
    public synchronized void note(String message) {
        err.print((interactive ? "\r\033[K" : "") + message + "\n");
        err.flush();
    }
}
