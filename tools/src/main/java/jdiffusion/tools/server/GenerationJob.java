package jdiffusion.tools.server;

import jdiffusion.sd.extra.ModelsFolder;
import jdiffusion.sd.pipeline.GeneratedImage;
import jdiffusion.sd.pipeline.GenerationParams;
import jdiffusion.sd.pipeline.Generator;
import jdiffusion.sd.pipeline.InitImage;
import jdiffusion.sd.pipeline.Progress;
import jdiffusion.sd.pipeline.StableDiffusionModel;

import java.util.ArrayList;
import java.util.List;

/**
 * One txt2img/img2img request run on the worker: the model it asks for (loaded if another is held), then its batches
 * one by one, as the WebUI's {@code process_images} runs {@code n_iter} batches, so progress counts batches; an
 * interrupt keeps the batches already finished and the one being sampled, decoded from its latest prediction. Image i of the whole job gets seed + i, as in one pipeline call.
 * img2img runs as one pipeline call (its masked-content noise depends on the first batch's seeds).
 */
final class GenerationJob implements JobQueue.Task<GenerationJob.Result> {
    /** What a job made. {@code params} has its random seeds resolved; {@code images} may be short after an interrupt. */
    record Result(GenerationRequest request, GenerationParams params, List<GeneratedImage> images, String modelName, String modelHash,
                  String vaeName, String vaeHash, boolean interrupted, String jobTimestamp) {}

    private final GenerationRequest request;
    private final ModelSlot slot;
    private final int previewEvery;
    private final ModelsFolder networks;

    /** {@code networks}: where LoRAs, embeddings, hypernetworks and wildcards of the prompt are found, or null. */
    GenerationJob(GenerationRequest request, ModelSlot slot, int previewEvery, ModelsFolder networks) {
        this.request = request;
        this.slot = slot;
        this.previewEvery = previewEvery;
        this.networks = networks;
    }

    @Override public Result run(JobProgress progress) {
        String kind = request.img2img() ? "img2img" : "txt2img";
        GenerationParams requested = request.params();
        // img2img runs as one pipeline call: its masked-content noise comes from the first batch's seeds for every batch
        boolean perBatch = request.init() == null;
        progress.begin(kind, perBatch ? requested.batchCount() : 1, previewEvery);
        List<GeneratedImage> images = new ArrayList<>();
        boolean interrupted = false;
        GenerationParams p = requested;
        StableDiffusionModel model = null;
        try {
            model = slot.acquire(request.settings().checkpoint(), request.settings().vae(), progress);
            // a fresh generator per job: its prompt cache then lives only as long as the job
            Generator generator = new Generator(model, networks);
            p = generator.resolve(requested);
            InitImage init = request.init() == null ? null : InitImage.prepare(request.init(), request.mask(), p);
            int size = p.batchSize(), count = perBatch ? p.batchCount() : 1;
            for (int batch = 0; batch < count && !progress.interrupted(); batch++) {
                progress.batch(batch, count > 1 ? "Batch " + (batch + 1) + " out of " + count : kind);
                if (!perBatch) {
                    images.addAll(generator.img2img(p, init, progress));
                    break;
                }
                GenerationParams.Builder one = p.toBuilder().batchCount(1);
                one.seed = p.seed() + (p.subseedStrength() == 0 ? (long) batch * size : 0);
                one.subseed = p.subseed() + (long) batch * size;
                GenerationParams params = one.build();
                images.addAll(generator.txt2img(params, progress));
            }
            interrupted = progress.interrupted();
        } catch (Progress.Interrupted e) {
            interrupted = true;
        }
        String name = model == null ? null : model.name(), hash = model == null ? null : model.hash();
        String vaeName = model == null ? null : model.vaeName(), vaeHash = model == null ? null : model.vaeHash();
        return new Result(request, p, List.copyOf(images), name, hash, vaeName, vaeHash, interrupted, progress.jobTimestamp());
    }
}
