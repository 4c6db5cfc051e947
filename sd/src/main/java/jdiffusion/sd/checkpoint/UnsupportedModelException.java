package jdiffusion.sd.checkpoint;

/** A recognised model family or variant this engine cannot run yet (SDXL, SD3, Flux, ...). */
public final class UnsupportedModelException extends ModelLoadException {
    public UnsupportedModelException(String message) { super(message); }
}
