package jdiffusion.tools;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class OptionsTest {
    private static Options spec() {
        return new Options()
                .positionals("FILE", "input files", 1, Integer.MAX_VALUE)
                .flag("--json", "JSON output")
                .value("--steps", "N", "sampling steps")
                .value("--seed", "S", "seed")
                .value("--output", "PATH", "where to write").alias("-o", "--output")
                .repeated("--lora", "NAME:W", "a LoRA");
    }

    private static String usageError(String... args) {
        return assertThrows(UsageException.class, () -> spec().parse(List.of(args))).getMessage();
    }

    @Test
    void acceptsSpaceAndEqualsFormsFlagsAliasesAndRepeats() {
        Arguments a = spec().parse(List.of("a.safetensors", "--steps", "30", "--seed=-1", "-o", "out.png",
                "--json", "--lora", "x:0.5", "--lora=y:1", "b.safetensors"));
        assertEquals(List.of("a.safetensors", "b.safetensors"), a.positionals());
        assertEquals(30, a.intValue("--steps", 20));
        assertEquals(-1L, a.longValue("--seed", 0));
        assertEquals(Path.of("out.png"), a.path("--output"));
        assertTrue(a.flag("--json"));
        assertEquals(List.of("x:0.5", "y:1"), a.values("--lora"));
    }

    @Test
    void absentOptionsFallBackToDefaults() {
        Arguments a = spec().parse(List.of("f"));
        assertFalse(a.flag("--json"));
        assertFalse(a.has("--steps"));
        assertEquals(20, a.intValue("--steps", 20));
        assertEquals(7.5, a.doubleValue("--seed", 7.5));
        assertNull(a.path("--output"));
        assertEquals(List.of(), a.values("--lora"));
        assertEquals("x", a.value("--seed", "x"));
    }

    @Test
    void flagsTakeExplicitTrueOrFalse() {
        assertFalse(spec().parse(List.of("f", "--json=false")).flag("--json"));
        assertTrue(spec().parse(List.of("f", "--json=true")).flag("--json"));
        assertEquals("--json is a switch: give it alone, or =true / =false, not =yes", usageError("f", "--json=yes"));
    }

    @Test
    void doubleDashEndsOptionsAndALoneDashIsPositional() {
        Arguments a = spec().parse(List.of("--", "--json", "-"));
        assertEquals(List.of("--json", "-"), a.positionals());
        assertFalse(a.flag("--json"));
    }

    @Test
    void mistakesGetClearMessages() {
        assertEquals("unknown option --stesp (did you mean --steps?)", usageError("f", "--stesp", "3"));
        assertEquals("unknown option --frobnicate", usageError("f", "--frobnicate"));
        assertEquals("--steps needs a value (--steps N)", usageError("f", "--steps"));
        assertEquals("--steps given twice", usageError("f", "--steps", "1", "--steps", "2"));
        assertEquals("missing FILE", usageError("--json"));
        assertEquals("--steps: expected an integer, got 'ten'",
                assertThrows(UsageException.class, () -> spec().parse(List.of("f", "--steps", "ten")).intValue("--steps", 1)).getMessage());
        assertEquals("--steps: 0 is out of range 1..150",
                assertThrows(UsageException.class, () -> spec().parse(List.of("f", "--steps=0")).intValue("--steps", 20, 1, 150)).getMessage());
        assertEquals("--seed: expected a number, got 'NaN'",
                assertThrows(UsageException.class, () -> spec().parse(List.of("f", "--seed", "NaN")).doubleValue("--seed", 1)).getMessage());
        Options one = new Options().positional("FILE", "f");
        assertEquals("unexpected argument 'g'", assertThrows(UsageException.class, () -> one.parse(List.of("f", "g"))).getMessage());
    }

    @Test
    void choicesMatchIgnoringCaseAndListTheAlternatives() {
        Options o = new Options().value("--sampler", "NAME", "sampler");
        List<String> samplers = List.of("Euler a", "Euler", "DPM++ 2M");
        assertEquals("Euler a", o.parse(List.of("--sampler", "euler A")).choice("--sampler", "Euler", samplers));
        assertEquals("Euler", o.parse(List.of()).choice("--sampler", "Euler", samplers));
        assertEquals("--sampler: unknown value 'Heun' (one of: Euler a, Euler, DPM++ 2M)",
                assertThrows(UsageException.class, () -> o.parse(List.of("--sampler=Heun")).choice("--sampler", "Euler", samplers)).getMessage());
    }

    @Test
    void sectionsGroupOptionsInHelp() {
        String help = new Options().positional("PROMPT", "what to draw")
                .section("Sampling").value("--steps", "N", "steps").value("--cfg", "S", "guidance")
                .section("Output").value("--output", "PATH", "file").help();
        assertEquals("  PROMPT         what to draw\n\nSampling:\n  --steps N      steps\n  --cfg S        guidance\n\nOutput:\n  --output PATH  file\n", help);
    }

    @Test
    void readingAnUndeclaredOptionIsABugNotAUsageError() {
        assertThrows(IllegalArgumentException.class, () -> spec().parse(List.of("f")).flag("--nope"));
    }

    @Test
    void helpListsPositionalsAndOptionsAligned() {
        assertEquals("FILE... [--json] [--steps N] [--seed S] [--output PATH] [--lora NAME:W]", spec().synopsis());
        String help = spec().help();
        assertTrue(help.contains("  -o, --output PATH  where to write\n"), help);
        assertTrue(help.contains("  --json             JSON output\n"), help);
    }
}
