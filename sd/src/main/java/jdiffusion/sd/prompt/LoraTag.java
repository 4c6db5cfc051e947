package jdiffusion.sd.prompt;

/**
 * A {@code <lora:name:te:unet:dyn>} tag read the way the WebUI's built-in Lora extension reads it: the text-encoder
 * multiplier is the second item (default 1), the UNet multiplier the third (default: the text-encoder one), an
 * optional fourth is the dynamic rank; named {@code te=}, {@code unet=}, {@code dyn=} override them.
 *
 * @param dynamicDim the rank to truncate to, or 0 for the full rank
 */
public record LoraTag(String name, double textEncoderMultiplier, double unetMultiplier, int dynamicDim) {

    public static LoraTag of(ExtraNetworkParams p) {
        if (p.positional().isEmpty()) throw new PromptSyntaxException("a <lora:...> tag needs a name first, as in <lora:name:0.8>");
        double te = p.positional().size() > 1 ? number(p.positional().get(1), "text encoder multiplier") : 1.0;
        if (p.named().containsKey("te")) te = number(p.named().get("te"), "te=");
        double unet = p.positional().size() > 2 ? number(p.positional().get(2), "UNet multiplier") : te;
        if (p.named().containsKey("unet")) unet = number(p.named().get("unet"), "unet=");
        int dyn = p.positional().size() > 3 ? integer(p.positional().get(3), "dynamic rank") : 0;
        if (p.named().containsKey("dyn")) dyn = integer(p.named().get("dyn"), "dyn=");
        return new LoraTag(p.positional().getFirst(), te, unet, dyn);
    }

    private static double number(String s, String what) {
        try {
            return Double.parseDouble(s.strip());
        } catch (NumberFormatException e) {
            throw new PromptSyntaxException("lora " + what + " \"" + s + "\" is not a number; write e.g. <lora:name:0.8>");
        }
    }

    private static int integer(String s, String what) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new PromptSyntaxException("lora " + what + " \"" + s + "\" is not an integer");
        }
    }
}
