package jdiffusion.sd.checkpoint;

/** What the UNet's extra input channels are for, read from {@code conv_in}'s input width. */
public enum ModelVariant {
    /** 4 latent channels. */
    TEXT_TO_IMAGE,
    /** 4 latent + 1 mask + 4 masked-image latent channels. */
    INPAINTING,
    /** 4 latent + 4 conditioning-image latent channels. */
    INSTRUCT_PIX2PIX;

    public static ModelVariant fromInputChannels(int channels, int latentChannels) {
        if (channels == latentChannels) return TEXT_TO_IMAGE;
        if (channels == 2 * latentChannels + 1) return INPAINTING;
        if (channels == 2 * latentChannels) return INSTRUCT_PIX2PIX;
        throw new UnsupportedModelException("UNet takes " + channels + " input channels, which matches no known variant "
                + "(" + latentChannels + " text-to-image, " + (2 * latentChannels + 1) + " inpainting, " + 2 * latentChannels + " instruct-pix2pix)");
    }
}
