package jdiffusion.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The machine's fp32 peak as the Vector API reaches it: every core runs 12 independent FMA chains
 * (more than latency x throughput of the FMA pipes), nothing else. {@link BenchReport} divides the other
 * benchmarks' FLOP rates by this one.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(Threads.MAX)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class FmaPeakBenchmark {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** FMA steps per invocation; each step is 12 vector FMAs. */
    static final int STEPS = 100_000;
    static final int CHAINS = 12;

    float seed = 1e-7f;

    /** Floating-point operations of one invocation on one thread (an FMA counts as two). */
    static double flopsPerInvocation() { return 2.0 * STEPS * CHAINS * S.length(); }

    @Benchmark
    public float fmaChains() {
        FloatVector x = FloatVector.broadcast(S, 1.0000001f), y = FloatVector.broadcast(S, seed);
        FloatVector a0 = y, a1 = y.add(1), a2 = y.add(2), a3 = y.add(3), a4 = y.add(4), a5 = y.add(5);
        FloatVector a6 = y.add(6), a7 = y.add(7), a8 = y.add(8), a9 = y.add(9), a10 = y.add(10), a11 = y.add(11);
        for (int i = 0; i < STEPS; i++) {
            a0 = a0.fma(x, y); a1 = a1.fma(x, y); a2 = a2.fma(x, y); a3 = a3.fma(x, y);
            a4 = a4.fma(x, y); a5 = a5.fma(x, y); a6 = a6.fma(x, y); a7 = a7.fma(x, y);
            a8 = a8.fma(x, y); a9 = a9.fma(x, y); a10 = a10.fma(x, y); a11 = a11.fma(x, y);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
