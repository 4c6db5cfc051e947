package jdiffusion.sd.sample;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class SleefMathTest {

    @Test
    void expLogAndExpm1StayWithinOneUlpOfTheTrueValue() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 30_000; i++) {
            float x = (float) (r.nextDouble() * 40 - 20);
            assertWithinUlp(Math.exp(x), SleefMath.exp(x), "exp " + x);
            assertWithinUlp(Math.expm1(x), SleefMath.expm1(x), "expm1 " + x);
            float y = (float) Math.exp(r.nextDouble() * 80 - 40);
            assertWithinUlp(Math.log(y), SleefMath.log(y), "log " + y);
        }
        assertEquals(Float.NEGATIVE_INFINITY, SleefMath.log(0f));
        assertTrue(Float.isNaN(SleefMath.log(-1f)));
        assertEquals(0f, SleefMath.log(1f));
        assertEquals(1f, SleefMath.exp(0f));
        assertEquals(0f, SleefMath.expm1(0f));
        assertEquals(-1f, SleefMath.expm1(-50f));
        assertEquals(Float.POSITIVE_INFINITY, SleefMath.exp(200f));
        assertEquals(1e-30f, SleefMath.exp(SleefMath.log(1e-30f)), 1e-36f, "subnormal-safe log");
    }

    private static void assertWithinUlp(double exact, float got, String what) {
        float ulp = Math.ulp((float) exact);
        assertTrue(Math.abs(got - exact) <= ulp, what + ": " + got + " vs " + exact);
    }
}
