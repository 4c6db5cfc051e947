package jdiffusion.tools;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** One in-process {@code jsd} run with its exit status and both output streams. */
public record Captured(int status, String out, String err) {
    public static Captured run(String... args) {
        return run(Main.COMMANDS, false, args);
    }

    static Captured run(List<Command> commands, boolean debug, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Main.run(commands, List.of(args), o, e, debug);
        }
        return new Captured(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
