package jdiffusion.sd.vae;

import jdiffusion.nn.Conv2d;
import jdiffusion.nn.Weights;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.function.BiConsumer;

/**
 * Stable Diffusion's KL autoencoder (diffusers {@code AutoencoderKL}), weights under its diffusers names.
 *
 * <pre>
 * encode: image [B,3,H,W] -> encoder -> quant_conv -> moments [B,2c,H/f,W/f] -> mean, clamp(logvar, -30, 20)
 * decode: latents (pipeline space) / scaling_factor -> post_quant_conv -> decoder -> image [B,3,h·f,w·f]
 * </pre>
 * {@code f} is {@link VaeConfig#downsamplingFactor()}; images are raw decoder space, nominally [-1, 1].
 * A tap, when given, receives intermediate tensors under diffusers module names
 * ({@code decoder.mid_block}, {@code encoder.down_blocks.0}, {@code moments}, ...).
 */
public final class AutoencoderKL {
    private static final BiConsumer<String, Tensor> NO_TAP = (name, t) -> {};

    private final VaeConfig config;
    private final VaeEncoder encoder;
    private final VaeDecoder decoder;
    private final Conv2d quantConv, postQuantConv;

    public AutoencoderKL(Backend backend, Weights weights, VaeConfig config) {
        this.config = config;
        this.quantConv = new Conv2d(backend, weights.child("quant_conv"));
        this.encoder = new VaeEncoder(backend, weights.child("encoder"), config);
        this.postQuantConv = new Conv2d(backend, weights.child("post_quant_conv"));
        this.decoder = new VaeDecoder(backend, weights.child("decoder"), config);
    }

    public VaeConfig config() { return config; }

    /** Pipeline-space latents (raw x scaling factor) to the raw image. */
    public Tensor decode(Backend b, Tensor latents) { return decode(b, latents, NO_TAP); }

    public Tensor decode(Backend b, Tensor latents, BiConsumer<String, Tensor> tap) {
        checkLatents(latents);
        return decodeRaw(b, b.scale(latents, 1f / config.scalingFactor()), tap);
    }

    /** Raw latents {@code z} (what diffusers' {@code AutoencoderKL.decode} takes) to the raw image. */
    public Tensor decodeRaw(Backend b, Tensor z, BiConsumer<String, Tensor> tap) {
        checkLatents(z);
        Tensor x = postQuantConv.forward(b, z);
        tap.accept("post_quant_conv", x);
        return decoder.forward(b, x, tap);
    }

    /** Image {@code [B, 3, H, W]} in [-1, 1] to the latent distribution; H and W should be multiples of the downsampling factor. */
    public LatentDistribution encode(Backend b, Tensor image) { return encode(b, image, NO_TAP); }

    public LatentDistribution encode(Backend b, Tensor image, BiConsumer<String, Tensor> tap) {
        if (image.rank() != 4 || image.size(1) != config.inChannels())
            throw new IllegalArgumentException("VAE encode needs an image [B, " + config.inChannels() + ", H, W], got " + java.util.Arrays.toString(image.shape()));
        Tensor moments = quantConv.forward(b, encoder.forward(b, image, tap));
        tap.accept("moments", moments);
        int c = config.latentChannels();
        Tensor mean = b.contiguous(moments.narrow(1, 0, c));
        Tensor logvar = b.clamp(moments.narrow(1, c, c), -30f, 20f);
        return new LatentDistribution(mean, logvar);
    }

    /** The distribution's mode scaled into pipeline space ({@code mean x scaling factor}). */
    public Tensor encodeToLatents(Backend b, Tensor image) {
        return b.scale(encode(b, image).mean(), config.scalingFactor());
    }

    private void checkLatents(Tensor z) {
        if (z.rank() != 4 || z.size(1) != config.latentChannels())
            throw new IllegalArgumentException("VAE decode needs latents [B, " + config.latentChannels() + ", h, w], got " + java.util.Arrays.toString(z.shape()));
    }
}
