package jdiffusion.tools.generate;

import jdiffusion.sd.pipeline.ConditioningSchedule;
import jdiffusion.sd.pipeline.GenerationTrace;
import jdiffusion.sd.unet.AttentionObserver;

import java.util.ArrayList;
import java.util.List;

/** Several traces of one run as one: each hears every event; the first that has an attention observer gives it. */
final class TraceFanOut implements GenerationTrace {
    private final List<GenerationTrace> traces;

    private TraceFanOut(List<GenerationTrace> traces) { this.traces = traces; }

    /** The non-null ones; {@link GenerationTrace#NONE} when there are none. */
    static GenerationTrace of(GenerationTrace... traces) {
        List<GenerationTrace> l = new ArrayList<>();
        for (GenerationTrace t : traces) if (t != null) l.add(t);
        return l.isEmpty() ? NONE : l.size() == 1 ? l.getFirst() : new TraceFanOut(List.copyOf(l));
    }

    @Override public void conditioning(ConditioningSchedule cond, ConditioningSchedule uncond) { traces.forEach(t -> t.conditioning(cond, uncond)); }

    @Override public void sigmas(float[] sigmas) { traces.forEach(t -> t.sigmas(sigmas)); }

    @Override public void initialNoise(float[] noise) { traces.forEach(t -> t.initialNoise(noise)); }

    @Override public void stepInput(int step, float[] x) { traces.forEach(t -> t.stepInput(step, x)); }

    @Override public void finalLatents(float[] latents) { traces.forEach(t -> t.finalLatents(latents)); }

    @Override public void decoded(int imageIndex, float[] image) { traces.forEach(t -> t.decoded(imageIndex, image)); }

    @Override public AttentionObserver attentionObserver() {
        for (GenerationTrace t : traces) if (t.attentionObserver() != null) return t.attentionObserver();
        return null;
    }
}
