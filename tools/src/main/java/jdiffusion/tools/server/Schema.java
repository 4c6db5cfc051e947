package jdiffusion.tools.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An OpenAPI 3 schema object (JSON Schema subset) as the JSON map {@code /openapi.json} carries: built from the route
 * table, never written by hand in JSON. Immutable; each method returns a changed copy.
 */
record Schema(Map<String, Object> json) {
    static Schema string() { return of("type", "string"); }

    static Schema integer() { return of("type", "integer"); }

    static Schema number() { return of("type", "number"); }

    static Schema bool() { return of("type", "boolean"); }

    /** Any JSON value (what a WebUI setting or an echoed field may be). */
    static Schema any() { return new Schema(Map.of()); }

    static Schema array(Schema items) { return of("type", "array").with("items", items.json); }

    /** An object whose keys are free, each value of {@code values}. */
    static Schema map(Schema values) { return of("type", "object").with("additionalProperties", values.json); }

    /** A reference to a named schema in {@code components/schemas}. */
    static Schema ref(String name) { return of("$ref", "#/components/schemas/" + name); }

    /** An object of the given properties, as pairs: name, Schema, name, Schema, ... */
    static Schema object(Object... properties) {
        Map<String, Object> props = new LinkedHashMap<>();
        for (int i = 0; i < properties.length; i += 2) props.put((String) properties[i], ((Schema) properties[i + 1]).json);
        return of("type", "object").with("properties", props);
    }

    /** This object with the properties of {@code more} added after its own. */
    @SuppressWarnings("unchecked")
    Schema plus(Schema more) {
        Map<String, Object> props = new LinkedHashMap<>((Map<String, Object>) json.get("properties"));
        props.putAll((Map<String, Object>) more.json.get("properties"));
        return with("properties", props);
    }

    /** Properties every valid value has. */
    Schema required(String... names) { return with("required", List.of((Object[]) names)); }

    /** This schema, or JSON null. */
    Schema nullable() { return with("nullable", true); }

    Schema describe(String text) { return with("description", text); }

    Schema defaultValue(Object value) { return with("default", value); }

    Schema oneOf(Object... values) { return with("enum", new ArrayList<>(List.of(values))); }

    Schema title(String text) { return with("title", text); }

    private static Schema of(String key, Object value) { return new Schema(Map.of()).with(key, value); }

    private Schema with(String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(json);
        m.put(key, value);
        return new Schema(Collections.unmodifiableMap(m));
    }
}
