package jdiffusion.sd.sample;

import java.util.Locale;

/**
 * The WebUI's "Random number generator source" setting: GPU (the default, CUDA's Philox randn, reproduced
 * on any device by {@link PhiloxRandom}; "NV" in the WebUI) or CPU (torch's mt19937 randn).
 */
public enum RngSource {
    GPU, CPU;

    public NoiseGenerator generator(long seed) {
        return this == GPU ? new PhiloxRandom(seed) : new TorchCpuRandom(seed);
    }

    /** "GPU", "NV", "CUDA", "philox" or "CPU", "torch", "mt19937" (case-insensitive). */
    public static RngSource parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "gpu", "nv", "cuda", "philox" -> GPU;
            case "cpu", "torch", "mt19937" -> CPU;
            default -> throw new SamplingException("unknown random number source '" + name + "': use GPU (NV) or CPU");
        };
    }
}
