package jdiffusion.tools.server;

/**
 * A request the server refuses, answered as the WebUI's API answers errors: HTTP {@code status} with
 * {@code {"error": error, "detail": detail}}.
 *
 * @see ApiResponses#error
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String error;

    public ApiException(int status, String error, String detail) {
        super(detail);
        this.status = status;
        this.error = error;
    }

    public int status() { return status; }

    public String error() { return error; }

    public String detail() { return getMessage(); }

    static ApiException badRequest(String detail) { return new ApiException(400, "BadRequest", detail); }

    /** A field of the right JSON shape but a value the API refuses, as FastAPI's validation answers (422). */
    static ApiException invalid(String detail) { return new ApiException(422, "ValidationError", detail); }

    static ApiException notFound(String detail) { return new ApiException(404, "NotFound", detail); }
}
