package jdiffusion.tools;

import java.util.Locale;

/** Human-readable sizes and counts, the same in every locale. */
public final class Quantities {
    private Quantities() {}

    /** Binary units: {@code 512 B}, {@code 17.0 MiB}, {@code 2.24 GiB}. */
    public static String bytes(long n) {
        if (n < 1024) return n + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = n;
        int u = -1;
        while (v >= 1023.95 && u < units.length - 1) { // so rounding never prints 1024.0
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v < 10 ? "%.2f %s" : "%.1f %s", v, units[u]);
    }

    /** Decimal magnitudes as model sizes are quoted: {@code 860}, {@code 4.46M}, {@code 1.07B}. */
    public static String count(long n) {
        if (n < 1000) return Long.toString(n);
        String[] units = {"K", "M", "B", "T"};
        double v = n;
        int u = -1;
        while (v >= 999.5 && u < units.length - 1) { // so rounding never prints 1000
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, v < 10 ? "%.2f%s" : v < 100 ? "%.1f%s" : "%.0f%s", v, units[u]);
    }

    /** Digits grouped by thousands: {@code 17,844,240}. */
    public static String grouped(long n) { return String.format(Locale.ROOT, "%,d", n); }
}
