package jdiffusion.sd.pipeline;

import jdiffusion.sd.TestBackends;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.testing.Golden;

/** The tiny SD1.5 test model (single file + yaml, tokenizer from the shared folder), loaded once per test class. */
final class TinyModel {
    private TinyModel() {}

    static ModelFiles singleFile() {
        return new ModelFiles(Golden.model("tiny-sd15.safetensors"), null, Golden.model("clip-tokenizer-sd1"));
    }

    static StableDiffusionModel load(Backend backend) {
        return StableDiffusionModel.load(backend, singleFile());
    }

    static Backend backend() { return TestBackends.create(); }
}
