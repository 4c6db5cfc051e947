package jdiffusion.sd.sample;

import java.util.List;

/** A sampler the WebUI offers: a k-diffusion sampler over sigmas, or one of its timestep samplers. */
public sealed interface WebUiSampler permits SamplerSpec, TimestepSamplerSpec {
    String label();

    List<String> aliases();
}
