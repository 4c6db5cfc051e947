package jdiffusion.tools.server;

import jdiffusion.sd.image.Png;
import jdiffusion.sd.pipeline.LatentPreview;
import jdiffusion.sd.pipeline.Progress;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The state of the running job as the WebUI's {@code shared.state} keeps it (job, job_no of job_count batches,
 * sampling_step of sampling_steps, a live preview), fed by the pipeline's {@link Progress} calls and read by
 * {@code GET /sdapi/v1/progress} from other threads. It is also where an interrupt takes effect: the next progress call
 * of the sampler or text encoder throws {@link Progress.Interrupted}, so the job stops between two steps (an interrupted
 * sampler's batch is still decoded, as the WebUI does).
 */
final class JobProgress implements Progress {
    private volatile int previewEvery;
    private String job = "";
    private String jobTimestamp = "0";
    private int jobNo, jobCount, samplingStep, samplingSteps;
    private long startNanos;
    private volatile boolean interrupted;
    private byte[] previewRgb;
    private int previewWidth, previewHeight, previewStep = -1;
    private byte[] previewPng;
    private String textinfo = "";

    /** @param previewEvery a preview every that many sampler steps (the WebUI's show_progress_every_n_steps); 0 or less for none */
    synchronized void begin(String job, int jobCount, int previewEvery) {
        this.previewEvery = previewEvery;
        this.job = job;
        this.jobCount = jobCount;
        this.jobNo = 0;
        this.samplingStep = 0;
        this.samplingSteps = 0;
        this.startNanos = System.nanoTime();
        this.jobTimestamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss"));
        this.interrupted = false;
        this.previewRgb = null;
        this.previewPng = null;
        this.previewStep = -1;
        this.textinfo = "";
    }

    synchronized void batch(int jobNo, String job) {
        this.jobNo = jobNo;
        this.job = job;
        this.samplingStep = 0;
    }

    synchronized void end() {
        job = "";
        jobCount = 0;
        jobNo = 0;
        samplingStep = 0;
        samplingSteps = 0;
        previewRgb = null;
        previewPng = null;
    }

    void interrupt() { interrupted = true; }

    boolean interrupted() { return interrupted; }

    String jobTimestamp() { return jobTimestamp; }

    @Override public void update(Phase phase, int done, int total) {
        if (interrupted && phase != Phase.DECODE) throw new Interrupted();
        synchronized (this) {
            if (phase == Phase.SAMPLE) {
                samplingStep = done;
                samplingSteps = total;
            }
            textinfo = phase.label() + " " + done + "/" + total;
        }
    }

    @Override public synchronized void note(String message) { textinfo = message; }

    @Override public boolean wantsLatents(int step) { return previewEvery > 0 && step % previewEvery == 0; }

    @Override public void latents(int step, float[] latents, int channels, int height, int width) {
        byte[] rgb;
        try {
            rgb = LatentPreview.rgb(latents, 0, channels, height, width);
        } catch (RuntimeException e) {
            return; // a model whose latents have no cheap preview simply shows none
        }
        synchronized (this) {
            previewRgb = rgb;
            previewWidth = width;
            previewHeight = height;
            previewStep = step;
            previewPng = null;
        }
    }

    /** A copy of the state for {@code /sdapi/v1/progress}, in the WebUI's shape. */
    synchronized Map<String, Object> snapshot(boolean skipCurrentImage, int queued) {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("skipped", false);
        state.put("interrupted", interrupted && jobCount > 0);
        state.put("stopping_generation", false);
        state.put("job", job);
        state.put("job_count", (long) jobCount);
        state.put("job_timestamp", jobTimestamp);
        state.put("job_no", (long) jobNo);
        state.put("sampling_step", (long) samplingStep);
        state.put("sampling_steps", (long) samplingSteps);
        state.put("queued", (long) queued);

        Map<String, Object> out = new LinkedHashMap<>();
        if (jobCount == 0) {
            out.put("progress", 0.0);
            out.put("eta_relative", 0.0);
            out.put("state", state);
            out.put("current_image", null);
            out.put("textinfo", textinfo);
            return out;
        }
        // the WebUI's formula: a small head start so the ETA never divides by zero
        double progress = 0.01 + (double) jobNo / jobCount;
        if (samplingSteps > 0) progress += 1.0 / jobCount * samplingStep / samplingSteps;
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        double eta = elapsed / progress;
        out.put("progress", Math.min(progress, 1.0));
        out.put("eta_relative", eta - elapsed);
        out.put("state", state);
        String image = null;
        if (!skipCurrentImage && previewRgb != null) {
            if (previewPng == null) previewPng = Png.encode(previewRgb, previewWidth, previewHeight, Map.of());
            image = java.util.Base64.getEncoder().encodeToString(previewPng);
        }
        out.put("current_image", image);
        out.put("textinfo", textinfo);
        return out;
    }
}
