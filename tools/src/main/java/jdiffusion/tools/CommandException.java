package jdiffusion.tools;

/** A command could not do its job for a reason the user can fix; the message names the thing and the problem. */
public final class CommandException extends RuntimeException {
    public CommandException(String message) { super(message); }

    public CommandException(String message, Throwable cause) { super(message, cause); }
}
