package jdiffusion.sd.prompt;

/** A prompt the WebUI itself would reject (e.g. an emphasis weight like {@code (cat:1.2.3)}). */
public final class PromptSyntaxException extends RuntimeException {
    public PromptSyntaxException(String message) { super(message); }
}
