package jdiffusion.sd.cli;

import jdiffusion.sd.pipeline.Progress;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressBarTest {
    @Test
    void interactiveBarShowsStepsRateAndEtaThenATotalLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long[] now = {0};
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, () -> now[0]);
        bar.update(Progress.Phase.SAMPLE, 0, 4);
        now[0] = 2_000_000_000L;
        bar.update(Progress.Phase.SAMPLE, 1, 4);
        String s = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("sample  [######..................] 1/4  2.00 s/it  ETA 6.0s"), s);
        now[0] = 8_000_000_000L;
        bar.update(Progress.Phase.SAMPLE, 4, 4);
        s = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(s.endsWith("sample  [########################] 4/4  2.00 s/it  total 8.00s\n"), s);
    }

    @Test
    void nonInteractiveStreamsGetOnlyFinishedPhases() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long[] now = {0};
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, () -> now[0]);
        bar.update(Progress.Phase.LOAD, 0, 1);
        now[0] = 500_000_000L;
        bar.update(Progress.Phase.LOAD, 1, 1);
        bar.update(Progress.Phase.SAMPLE, 0, 2);
        now[0] = 1_000_000_000L;
        bar.update(Progress.Phase.SAMPLE, 1, 2);
        now[0] = 1_500_000_000L;
        bar.update(Progress.Phase.SAMPLE, 2, 2);
        assertEquals("load    done in 0.50s\nsample  [########################] 2/2  2.00 it/s  total 1.00s\n", bytes.toString(StandardCharsets.UTF_8));
    }
}
