package jdiffusion.sd.pipeline;

/**
 * Where a generation reports how far it is: each phase starts with {@code done = 0}, advances one unit at a time
 * (sampling: one per sampler step) and ends with {@code done = total}. Implementations must be cheap; the CLI draws a
 * progress bar, the server records state.
 */
public interface Progress {
    enum Phase {
        LOAD("load"), ENCODE("encode"), SAMPLE("sample"), DECODE("decode");

        private final String label;

        Phase(String label) { this.label = label; }

        public String label() { return label; }
    }

    /**
     * Thrown from {@link #update} to stop the generation (the WebUI's Interrupt). Thrown while sampling, the run ends as
     * the WebUI's does: the batch being sampled is decoded from the sampler's last prediction of the clean latents and
     * returned after the batches already finished, and no further batch starts. Thrown in another phase, it leaves the
     * generator.
     */
    final class Interrupted extends RuntimeException {
        public Interrupted() { super("interrupted", null, false, false); }
    }

    Progress NONE = new Progress() {
        @Override public void update(Phase phase, int done, int total) {}
    };

    /** {@code done} of {@code total} units of {@code phase} are finished. */
    void update(Phase phase, int done, int total);

    /** A line for the user (e.g. the random seed that was picked). */
    default void note(String message) {}

    /**
     * The sampler's current prediction of the clean latents at step {@code step} (1-based), {@code [B, C, h, w]}, for
     * previews. Called only when {@link #wantsLatents(int)} says so for that step.
     */
    default void latents(int step, float[] latents, int channels, int height, int width) {}

    default boolean wantsLatents(int step) { return false; }
}
