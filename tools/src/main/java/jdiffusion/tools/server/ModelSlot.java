package jdiffusion.tools.server;

import jdiffusion.sd.pipeline.ModelFiles;
import jdiffusion.sd.pipeline.Progress;
import jdiffusion.sd.pipeline.StableDiffusionModel;
import jdiffusion.tensor.Backend;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The one model the server holds. Asking for another checkpoint or VAE closes the current one first (weights are
 * memory-mapped: closing unmaps them), so memory never holds two. Only the job worker calls {@link #acquire}.
 */
final class ModelSlot implements AutoCloseable {
    private final Backend backend;
    private final Path tokenizer;
    private final ModelCatalog catalog;
    private StableDiffusionModel model;
    private Path modelPath, vaePath;

    ModelSlot(Backend backend, Path tokenizer, ModelCatalog catalog) {
        this.backend = backend;
        this.tokenizer = tokenizer;
        this.catalog = catalog;
    }

    /** The model of {@code checkpoint} with {@code vae} (null: automatic), loading it when another is held. */
    synchronized StableDiffusionModel acquire(ModelCatalog.Checkpoint checkpoint, Path vae, Progress progress) {
        if (model != null && modelPath.equals(checkpoint.path()) && Objects.equals(vaePath, vae)) return model;
        unload();
        progress.update(Progress.Phase.LOAD, 0, 1);
        model = StableDiffusionModel.load(backend, new ModelFiles(checkpoint.path(), vae, tokenizer));
        modelPath = checkpoint.path();
        vaePath = vae;
        catalog.knowHash(modelPath, model.hash());
        progress.update(Progress.Phase.LOAD, 1, 1);
        return model;
    }

    synchronized boolean loaded() { return model != null; }

    synchronized void unload() {
        if (model != null) model.close();
        model = null;
        modelPath = null;
        vaePath = null;
    }

    @Override public void close() { unload(); }
}
