package jdiffusion.tools.server;

/** The server cannot start as configured (port taken, no model, bad --api-auth): the message says what to change. */
public final class ServerException extends RuntimeException {
    public ServerException(String message) { super(message); }
}
