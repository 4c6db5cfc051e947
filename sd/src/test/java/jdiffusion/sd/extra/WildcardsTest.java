package jdiffusion.sd.extra;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WildcardsTest {
    /** Values CPython prints for random.Random(seed).random() and random.seed(s); random.randint(1, 10). */
    @Test
    void pythonRandomReproducesCPythonsMersenneTwisterSeedingAndRandbelow() {
        assertEquals(0.8444218515250481, new PythonRandom(0).random());
        assertEquals(0.13436424411240122, new PythonRandom(1).random());
        assertEquals(0.6394267984578837, new PythonRandom(42).random());
        assertEquals(2, 1 + new PythonRandom(42).below(10));
        assertEquals(7, 1 + new PythonRandom(0).below(10));
        assertEquals(new PythonRandom(5).random(), new PythonRandom(-5).random(), "seeded by the absolute value");
    }

    @Test
    void eachImageSeedPicksALineAndTheSameSeedPicksTheSameLine(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("wildcards/sub"));
        Files.writeString(root.resolve("wildcards/color.txt"), "red\ngreen\nblue\nyellow\n");
        Files.writeString(root.resolve("wildcards/sub/animal.txt"), "cat\r\ndog");
        Wildcards w = new Wildcards(ModelsFolder.of(root));
        List<String> warnings = new ArrayList<>();
        String a = w.expand("a __color__ __sub/animal__, __nothing__ here", 1, warnings::add);
        PythonRandom r = new PythonRandom(1);
        String color = List.of("red", "green", "blue", "yellow").get(r.below(4));
        String animal = List.of("cat", "dog").get(r.below(2));
        assertEquals("a " + color + " " + animal + ", nothing here", a);
        assertEquals(1, warnings.size());
        assertTrue(warnings.getFirst().contains("nothing.txt"), warnings.toString());
        assertEquals(a, w.expand("a __color__ __sub/animal__, __nothing__ here", 1, s -> {}));
        assertEquals("a cat", w.expand("a __animal__", 3, s -> {}).replace("dog", "cat"), "subfolder files are found by name too");
        boolean differs = false;
        for (long seed = 2; seed < 12; seed++) differs |= !w.expand("__color__", seed, s -> {}).equals(w.expand("__color__", 1, s -> {}));
        assertTrue(differs, "other seeds pick other lines");
        assertNotEquals(w.expand("__color__", 1, s -> {}), "__color__");
    }

    @Test
    void withoutAWildcardsFolderDoubleUnderscoresArePlainText(@TempDir Path root) {
        assertEquals("a __b__ c__", new Wildcards(ModelsFolder.of(root)).expand("a __b__ c__", 1, s -> { throw new AssertionError(s); }));
        assertEquals("a __b__", new Wildcards(null).expand("a __b__", 1, s -> { throw new AssertionError(s); }));
    }

    @Test
    void promptsWithoutWildcardsAreUntouched() {
        assertEquals("a (cat:1.2), [dog]", new Wildcards(null).expand("a (cat:1.2), [dog]", 7, s -> { throw new AssertionError(s); }));
    }
}
