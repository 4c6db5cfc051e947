package jdiffusion.sd.sample;

import jdiffusion.tensor.testing.Golden;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

import static org.junit.jupiter.api.Assertions.*;

class RandomSourcesTest {

    @Test
    void torchCpuRandnIsBitExactForEverySeedAndSize() {
        checkFresh("rng/torch_cpu_randn", TorchCpuRandom::new, 0.0);
    }

    @Test
    void torchCpuGeneratorContinuesAcrossConsecutiveDraws() {
        checkConsecutive("rng/torch_cpu_generator_consecutive", TorchCpuRandom::new, 0.0);
    }

    @Test
    void philoxRandnIsBitExactToA1111ForEverySeedAndSize() {
        checkFresh("rng/a1111_philox_randn", PhiloxRandom::new, 0.0);
    }

    @Test
    void philoxAdvancesOffsetOncePerCall() {
        checkConsecutive("rng/a1111_philox_consecutive", PhiloxRandom::new, 0.0);
    }

    @Test
    void philoxReproducesTheDocstringExample() {
        float[] x = new PhiloxRandom(0).randn(3, 4);
        float[] expected = {-0.92466259f, -0.42534415f, -2.6438457f, 0.14518388f,
                -0.12086647f, -0.57972564f, -0.62285122f, -0.32838709f,
                -1.07454231f, -0.36314407f, -1.67105067f, 2.26550497f};
        for (int i = 0; i < 12; i++) assertEquals(expected[i], x[i], 1e-6, "element " + i);
    }

    @SuppressWarnings("unchecked")
    private static void checkFresh(String name, LongFunction<NoiseGenerator> make, double tol) {
        try (Golden.Case c = Golden.open(name)) {
            List<Object> entries = (List<Object>) c.json().get("entries");
            assertFalse(entries.isEmpty());
            for (Object o : entries) {
                Map<String, Object> e = (Map<String, Object>) o;
                float[] got = make.apply(((Number) e.get("seed")).longValue()).randn(shape(e));
                compare(c.floats((String) e.get("tensor")), got, tol, (String) e.get("tensor"));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void checkConsecutive(String name, LongFunction<NoiseGenerator> make, double tol) {
        try (Golden.Case c = Golden.open(name)) {
            List<Object> entries = (List<Object>) c.json().get("entries");
            NoiseGenerator g = null;
            long seed = Long.MIN_VALUE;
            for (Object o : entries) {
                Map<String, Object> e = (Map<String, Object>) o;
                long s = ((Number) e.get("seed")).longValue();
                int draw = ((Number) e.get("draw")).intValue();
                if (s != seed || draw == 0) {
                    assertEquals(0, draw, "entries are listed in draw order");
                    g = make.apply(s);
                    seed = s;
                }
                compare(c.floats((String) e.get("tensor")), g.randn(shape(e)), tol, (String) e.get("tensor"));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static int[] shape(Map<String, Object> e) {
        return ((List<Object>) e.get("shape")).stream().mapToInt(v -> ((Number) v).intValue()).toArray();
    }

    private static void compare(float[] expected, float[] got, double tol, String what) {
        assertEquals(expected.length, got.length, what);
        int bad = 0;
        double worst = 0;
        int first = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - got[i]);
            if (d > tol) { bad++; if (first < 0) first = i; }
            worst = Math.max(worst, d);
        }
        if (bad > 0)
            fail(what + ": " + bad + "/" + expected.length + " differ, max " + worst + ", first at " + first
                    + " expected " + expected[first] + " got " + got[first]);
    }
}
