package jdiffusion.tools.server;

import jdiffusion.sd.controlnet.ControlNetLibrary;
import jdiffusion.sd.controlnet.ControlNetSetup;
import jdiffusion.sd.controlnet.ControlNetUnitSpec;
import jdiffusion.sd.controlnet.ControlNets;
import jdiffusion.sd.extra.ModelsFolder;
import jdiffusion.sd.pipeline.GeneratedImage;
import jdiffusion.sd.pipeline.GenerationTrace;
import jdiffusion.tools.generate.AttentionMapOutput;
import jdiffusion.tools.generate.PromptTokens;
import jdiffusion.tools.generate.StepImages;
import jdiffusion.sd.pipeline.GenerationParams;
import jdiffusion.sd.pipeline.GenerationTrace;
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
                  String vaeName, String vaeHash, boolean interrupted, String jobTimestamp, List<Object> attentionMaps) {}

    private final GenerationRequest request;
    private final ModelSlot slot;
    private final int previewEvery;
    private final ModelsFolder networks;
    private final List<ControlNetUnitSpec> controlUnits;

    /** {@code networks}: where LoRAs, embeddings, hypernetworks and wildcards of the prompt are found, or null. */
    GenerationJob(GenerationRequest request, ModelSlot slot, int previewEvery, ModelsFolder networks) {
        this(request, slot, previewEvery, networks, List.of());
    }

    /** With the request's ControlNet units (models from {@code networks}' models/ControlNet). */
    GenerationJob(GenerationRequest request, ModelSlot slot, int previewEvery, ModelsFolder networks, List<ControlNetUnitSpec> controlUnits) {
        this.controlUnits = List.copyOf(controlUnits);
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
        List<Object> attentionMaps = null;
        boolean interrupted = false;
        GenerationParams p = requested;
        StableDiffusionModel model = null;
        ControlNetLibrary library = null;
        try {
            model = slot.acquire(request.settings().checkpoint(), request.settings().vae(), progress);
            // a fresh generator per job: its prompt cache then lives only as long as the job
            Generator generator = new Generator(model, networks);
            p = generator.resolve(requested);
            InitImage init = request.init() == null ? null : InitImage.prepare(request.init(), request.mask(), p);
            ControlNetSetup control = ControlNetSetup.NONE;
            if (!controlUnits.isEmpty()) {
                library = new ControlNetLibrary(model.backend(), model.unet().config(), networks);
                control = new ControlNets(library, controlUnits, Math.max(ControlNets.DEFAULT_MAX_UNITS, controlUnits.size()));
            }
            int size = p.batchSize(), count = perBatch ? p.batchCount() : 1;
            AttentionMapOutput attention = request.attentionMaps()
                    ? new AttentionMapOutput(null, p.height() / model.vaeScaleFactor(), p.width() / model.vaeScaleFactor(), "all", "all") : null;
            GenerationTrace trace = attention == null ? GenerationTrace.NONE : attention;
            for (int batch = 0; batch < count && !progress.interrupted(); batch++) {
                progress.batch(batch, count > 1 ? "Batch " + (batch + 1) + " out of " + count : kind);
                if (!perBatch) {
                    images.addAll(generator.img2img(p, init, control, progress, trace));
                    break;
                }
                GenerationParams.Builder one = p.toBuilder().batchCount(1);
                one.seed = p.seed() + (p.subseedStrength() == 0 ? (long) batch * size : 0);
                one.subseed = p.subseed() + (long) batch * size;
                GenerationParams params = one.build();
                images.addAll(generator.txt2img(params, request.hires(), control, progress, trace));
            }
            interrupted = progress.interrupted();
            generator.upscalers().close();
            if (attention != null && !images.isEmpty()) attentionMaps = heatMaps(attention, images.getFirst(), model);
        } catch (Progress.Interrupted e) {
            interrupted = true;
        } finally {
            if (library != null) library.close();
        }
        String name = model == null ? null : model.name(), hash = model == null ? null : model.hash();
        String vaeName = model == null ? null : model.vaeName(), vaeHash = model == null ? null : model.vaeHash();
        return new Result(request, p, List.copyOf(images), name, hash, vaeName, vaeHash, interrupted, progress.jobTimestamp(), attentionMaps);
    }

    /** {@code jsd_attention_maps}: per prompt token its chunk, index, key, text, weight and heat map over the image (base64 PNG). */
    private static List<Object> heatMaps(AttentionMapOutput attention, GeneratedImage first, StableDiffusionModel model) {
        List<Object> out = new ArrayList<>();
        for (AttentionMapOutput.HeatMap h : attention.heatMaps(first, PromptTokens.of(model.tokenizer(), first.info().prompt()))) {
            @SuppressWarnings("unchecked")
            java.util.Map<String, Object> m = (java.util.Map<String, Object>) AttentionMapOutput.tokenJson(List.of(h.token())).getFirst();
            m.put("image", java.util.Base64.getEncoder().encodeToString(StepImages.png(h.overlay())));
            out.add(m);
        }
        return out;
    }
}
