package jdiffusion.tools.server;

import java.io.IOException;
import java.util.Map;

/**
 * One thing the server answers: a method on a path, what it takes and gives, and the code that answers. The server
 * dispatches only through its table of routes and {@code /openapi.json} is generated from the same table, so the
 * documentation cannot drift from what is served.
 *
 * @param query       the query parameters it reads, by name
 * @param request     the JSON body's schema, or null when the route reads no body
 * @param response    the 200 answer's schema (JSON), or null for a page file
 * @param contentType what a 200 answer is: {@code application/json} or a page file's type
 */
record Route(String method, String path, String summary, Map<String, Schema> query, Schema request, Schema response, String contentType,
             Handler handler) {
    static final String JSON = "application/json";

    /** Reads the request body when a route needs it. */
    interface Body {
        String read() throws IOException;
    }

    /** What a handler may read of its request. */
    record Call(String query, Body body) {}

    interface Handler {
        /** The answer: a value to write as JSON, or {@link Raw} bytes for a page file. */
        Object answer(Call call) throws IOException;
    }

    /** An answer that is not JSON. */
    record Raw(String contentType, byte[] data) {}

    static Route get(String path, String summary, Schema response, Handler handler) {
        return new Route("GET", path, summary, Map.of(), null, response, JSON, handler);
    }

    static Route post(String path, String summary, Schema request, Schema response, Handler handler) {
        return new Route("POST", path, summary, Map.of(), request, response, JSON, handler);
    }

    /** A page file (HTML, script, style) from the page's resources. */
    static Route page(String path, String summary, String contentType, Handler handler) {
        return new Route("GET", path, summary, Map.of(), null, null, contentType, handler);
    }

    /** This route, also reading query parameter {@code name}. */
    Route withQuery(String name, Schema schema) {
        Map<String, Schema> q = new java.util.LinkedHashMap<>(query);
        q.put(name, schema);
        return new Route(method, path, summary, Map.copyOf(q), request, response, contentType, handler);
    }

    /** Whether {@code --api-auth} protects it: the API, as the WebUI's; the page and its documentation load without, and ask. */
    boolean needsAuth() { return needsAuth(path); }

    static boolean needsAuth(String path) { return path.startsWith("/sdapi/"); }
}
