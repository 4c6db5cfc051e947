package jdiffusion.tools.generate;

import jdiffusion.tools.Captured;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@code --infotext} and {@code --from-png} do with what was pasted: an empty or unreadable text is an error, never a default run. */
class InfotextCliTest {
    @TempDir Path dir;

    private Captured run(String infotext) {
        Path out = dir.resolve("out.png");
        Captured c = GenerateCommandTest.jsd(GenerateCommandTest.model(), "txt2img", "--infotext", infotext, "--out", out.toString());
        assertFalse(Files.exists(out), "nothing was generated");
        return c;
    }

    @Test
    void anEmptyInfotextIsAOneLineError() {
        for (String empty : new String[] {"", "   ", "\n\n"}) {
            Captured c = run(empty);
            assertEquals(2, c.status(), c.err());
            assertTrue(c.err().contains("--infotext is empty"), c.err());
            assertEquals(1, c.err().strip().lines().count(), c.err());
        }
    }

    @Test
    void anInfotextWithoutItsParameterLineIsAOneLineError() {
        for (String text : new String[] {"a castle", "a castle\nNegative prompt: fog", "Steps 20 Sampler Euler"}) {
            Captured c = run(text);
            assertEquals(2, c.status(), c.err());
            assertTrue(c.err().contains("no parameter line") && c.err().contains("--prompt"), c.err());
            assertEquals(1, c.err().strip().lines().count(), c.err());
        }
    }

    @Test
    void aNumberThatIsNoneIsAOneLineError() {
        Captured c = run("a castle\nSteps: many, Sampler: Euler a, Seed: 1");
        assertTrue(c.status() != 0 && c.err().contains("Steps") && c.err().contains("many"), c.err());
        assertEquals(1, c.err().strip().lines().count(), c.err());
    }
}
