package jdiffusion.tensor.json;

/** Malformed JSON; the message says what and where. */
public final class JsonException extends RuntimeException {
    public JsonException(String message) { super(message); }
}
