package jdiffusion.sd.controlnet;

import jdiffusion.sd.unet.UNetConfig;

import java.util.List;

/**
 * The shape of a ControlNet: the encoder half of {@code unet} (its {@code outChannels} is unused) and the hint
 * encoder's convolutions, {@code hintChannels[k]} the output channels of hint conv {@code k} (diffusers
 * {@code conv_in}, {@code blocks.*}, {@code conv_out}; ldm {@code input_hint_block.0, .2, ...}) reading a
 * {@code hintInChannels}-channel image. Real SD1.5 ControlNets: 3 → 16, 16, 32, 32, 96, 96, 256, 320.
 */
public record ControlNetConfig(UNetConfig unet, int hintInChannels, List<Integer> hintChannels) {
    public ControlNetConfig {
        hintChannels = List.copyOf(hintChannels);
        if (hintChannels.size() < 2 || hintChannels.size() % 2 != 0)
            throw new IllegalArgumentException("a ControlNet hint encoder has conv_in, pairs of blocks and conv_out (an even number of convs), got " + hintChannels.size());
        if (hintChannels.getLast() != unet.channels(0))
            throw new IllegalArgumentException("the hint encoder ends with " + hintChannels.getLast() + " channels, conv_in makes " + unet.channels(0));
    }

    /** Number of convs between conv_in and conv_out ({@code M}). */
    public int hintBlocks() { return hintChannels.size() - 2; }

    /**
     * Stride of hint conv {@code k} (0 = conv_in, M+1 = conv_out): among convs 1..M the even-numbered downsample by 2
     * (diffusers {@code blocks.(2i+1)}); conv_in and conv_out keep the size. The channels say nothing about it.
     */
    public int hintStride(int k) { return k >= 1 && k <= hintBlocks() && k % 2 == 0 ? 2 : 1; }

    /** Pixels of hint per latent pixel: {@code 2^(M/2)} (8 for real SD ControlNets). */
    public int hintDownsampling() { return 1 << (hintBlocks() / 2); }

    /** The hint encoder of real SD1.x/2.x ControlNets (lllyasviel {@code cldm.py}). */
    public static List<Integer> standardHintChannels(int modelChannels) { return List.of(16, 16, 32, 32, 96, 96, 256, modelChannels); }
}
