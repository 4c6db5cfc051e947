package jdiffusion.tools.server;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /openapi.json}: an OpenAPI 3 document generated from the server's route table (every path and method it
 * answers, with the request and response schemas of {@link ApiSchemas}), so it always says exactly what is served.
 */
final class OpenApi {
    private OpenApi() {}

    static Map<String, Object> document(List<Route> routes, boolean basicAuth) {
        Map<String, Object> paths = new LinkedHashMap<>();
        for (Route r : routes) {
            @SuppressWarnings("unchecked")
            Map<String, Object> item = (Map<String, Object>) paths.computeIfAbsent(r.path(), k -> new LinkedHashMap<String, Object>());
            item.put(r.method().toLowerCase(java.util.Locale.ROOT), operation(r, basicAuth));
        }
        Map<String, Object> schemas = new LinkedHashMap<>();
        ApiSchemas.all().forEach((name, s) -> schemas.put(name, s.json()));
        Map<String, Object> components = new LinkedHashMap<>();
        components.put("schemas", schemas);
        if (basicAuth) components.put("securitySchemes", Map.of("basic", Map.of("type", "http", "scheme", "basic")));

        Map<String, Object> info = new LinkedHashMap<>();
        info.put("title", "jdiffusion (jsd serve)");
        info.put("version", "1.0");
        info.put("description", "AUTOMATIC1111's WebUI 1.10 API as jsd serves it, and its page. Errors answer "
                + "{\"error\", \"detail\"}; a request body over --max-body gets 413; HEAD is answered for every GET."
                + (basicAuth ? " /sdapi/ wants HTTP basic authentication (--api-auth)." : ""));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("openapi", "3.0.3");
        doc.put("info", info);
        doc.put("paths", paths);
        doc.put("components", components);
        return doc;
    }

    private static Map<String, Object> operation(Route r, boolean basicAuth) {
        Map<String, Object> op = new LinkedHashMap<>();
        op.put("tags", List.of(r.path().startsWith("/sdapi/") ? "sdapi" : r.path().startsWith("/internal/") ? "internal" : "page"));
        op.put("summary", r.summary());
        op.put("operationId", r.method().toLowerCase(java.util.Locale.ROOT) + r.path().replaceAll("[^A-Za-z0-9]+", "_"));
        if (!r.query().isEmpty()) {
            List<Object> params = new java.util.ArrayList<>();
            r.query().forEach((name, s) -> params.add(Map.of("name", name, "in", "query", "required", false, "schema", s.json())));
            op.put("parameters", params);
        }
        if (r.request() != null)
            op.put("requestBody", Map.of("required", true, "content", Map.of(Route.JSON, Map.of("schema", r.request().json()))));
        Map<String, Object> responses = new LinkedHashMap<>();
        Schema ok = r.response() != null ? r.response() : Schema.string().describe("the file");
        responses.put("200", Map.of("description", "OK", "content", Map.of(r.contentType(), Map.of("schema", ok.json()))));
        Map<String, Object> error = Map.of("application/json", Map.of("schema", Schema.ref("HTTPError").json()));
        if (r.needsAuth() && basicAuth) responses.put("401", Map.of("description", "no or wrong credentials", "content", error));
        responses.put("default", Map.of("description", "an error: 4xx for a request to fix (400 malformed, 404 unknown name, 405 method, "
                + "413 body too large, 422 invalid value, 503 queue full), 500 for a failure of the server", "content", error));
        op.put("responses", responses);
        if (r.needsAuth() && basicAuth) op.put("security", List.of(Map.of("basic", List.of())));
        return op;
    }
}
