package jdiffusion.tools;

import jdiffusion.tensor.SafeTensorsException;
import org.junit.jupiter.api.Test;

import java.io.PrintStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class MainTest {
    /** A command that fails in a chosen way, to see how Main reports each kind of failure. */
    private record Failing(RuntimeException failure) implements Command {
        public String name() { return "fail"; }
        public String summary() { return "always fails"; }
        public String help() { return "usage: jsd fail\n"; }
        public int run(List<String> args, PrintStream out, PrintStream err) {
            new Options().flag("--loud", "louder").parse(args);
            throw failure;
        }
    }

    @Test
    void helpListsEveryCommandWithItsSummaryAndExitsZero() {
        Captured c = Captured.run("--help");
        assertEquals(0, c.status());
        for (Command cmd : Main.COMMANDS) assertTrue(c.out().contains(cmd.name() + "  ") && c.out().contains(cmd.summary()), c.out());
        assertEquals("", c.err());
        assertEquals(c.out(), Captured.run("-h").out());
    }

    @Test
    void noArgumentsPrintsTheOverviewToStderrWithStatusTwo() {
        Captured c = Captured.run();
        assertEquals(2, c.status());
        assertTrue(c.err().contains("usage: jsd <command>"), c.err());
    }

    @Test
    void unknownCommandIsOneLineErrorThenTheCommandListWithStatusTwo() {
        Captured c = Captured.run("inspekt", "x");
        assertEquals(2, c.status());
        String[] lines = c.err().split("\n");
        assertEquals("jsd: unknown command 'inspekt' (did you mean 'inspect'?); the commands are:", lines[0]);
        assertTrue(java.util.Arrays.stream(lines).skip(1).anyMatch(l -> l.strip().startsWith("inspect")), c.err());
        assertEquals("", c.out());
        assertTrue(Captured.run("frobnicate").err().startsWith("jsd: unknown command 'frobnicate'; the commands are:"));
    }

    @Test
    void commandHelpGoesToStdoutWhereverTheFlagStands() {
        for (String[] args : List.of(new String[]{"inspect", "--help"}, new String[]{"inspect", "some.safetensors", "-h"},
                new String[]{"help", "inspect"})) {
            Captured c = Captured.run(args);
            assertEquals(0, c.status());
            assertTrue(c.out().startsWith("usage: jsd inspect FILE"), c.out());
            assertTrue(c.out().contains("--json"), c.out());
        }
    }

    @Test
    void usageErrorsNameTheCommandAndPointToItsHelp() {
        Captured c = Captured.run(List.of(new Failing(new IllegalStateException())), false, "fail", "--lod");
        assertEquals(2, c.status());
        assertEquals("jsd fail: unknown option --lod (did you mean --loud?) (see jsd fail --help)\n", c.err());
    }

    @Test
    void ourExceptionsPrintOneLineAndExitOne() {
        Captured c = Captured.run(List.of(new Failing(new SafeTensorsException("m.safetensors: tensor \"a\": broken"))), false, "fail");
        assertEquals(1, c.status());
        assertEquals("jsd: m.safetensors: tensor \"a\": broken\n", c.err());
        Captured io = Captured.run(List.of(new Failing(new java.io.UncheckedIOException(new java.nio.file.NoSuchFileException("x.png")))), false, "fail");
        assertEquals(1, io.status());
        assertEquals("jsd: NoSuchFile: x.png\n", io.err());
    }

    @Test
    void debugModeAddsTheStackTrace() {
        Captured c = Captured.run(List.of(new Failing(new CommandException("nope"))), true, "fail");
        assertEquals(1, c.status());
        assertTrue(c.err().contains("at jdiffusion.tools.MainTest"), c.err());
        assertTrue(c.err().endsWith("jsd: nope\n"), c.err());
    }

    @Test
    void bugsAreReportedWithTheirStackTrace() {
        Captured c = Captured.run(List.of(new Failing(new NullPointerException("oops"))), false, "fail");
        assertEquals(1, c.status());
        assertTrue(c.err().startsWith("jsd fail: internal error"), c.err());
        assertTrue(c.err().contains("NullPointerException: oops") && c.err().contains("\tat "), c.err());
    }

    @Test
    void commandNamesAreUnique() {
        assertEquals(Main.COMMANDS.size(), Main.COMMANDS.stream().map(Command::name).distinct().count());
    }
}
