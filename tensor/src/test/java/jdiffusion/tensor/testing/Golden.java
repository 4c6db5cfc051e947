package jdiffusion.tensor.testing;

import jdiffusion.tensor.SafeTensors;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.json.Json;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Access to {@code ../shared/golden} and {@code ../shared/models} beside the repository root. Tests skip
 * with a clear message when that folder is absent (a user's clone) but fail in CI, where it must exist.
 */
public final class Golden {
    private Golden() {}

    /** The repository root: the nearest ancestor of the working directory holding the {@code build} launcher. */
    public static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        for (Path a = p; a != null; a = a.getParent()) {
            if (Files.isRegularFile(a.resolve("build")) && Files.isRegularFile(a.resolve("pom.xml"))) return a;
        }
        return p;
    }

    public static Path shared() { return repoRoot().resolve("..").resolve("shared").normalize(); }

    /** {@code ../shared/golden}, or skips the test (fails in CI) when absent. */
    public static Path root() {
        Path g = shared().resolve("golden");
        if (!Files.isDirectory(g)) {
            if ("true".equalsIgnoreCase(System.getenv("CI")))
                throw new AssertionError("golden data missing at " + g + ": CI must run with ../shared beside the repository");
            Assumptions.abort("golden data not found at " + g + " (it sits beside the repository in the development setup); skipping");
        }
        return g;
    }

    public static Path file(String relative) { return root().resolve(relative); }

    /** The {@code cases} list of an index file such as {@code webui/index.json}: the names of the cases it holds. */
    @SuppressWarnings("unchecked")
    public static List<String> caseNames(String index) {
        try {
            return (List<String>) Json.parseObject(Files.readString(file(index))).get("cases");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ../shared/models/<relative>}. */
    public static Path model(String relative) {
        root();
        return shared().resolve("models").resolve(relative);
    }

    /** A golden case: {@code <name>.safetensors} plus {@code <name>.json}. Close it after use. */
    public static Case open(String name) { return new Case(root().resolve(name)); }

    public static final class Case implements AutoCloseable {
        private final SafeTensors tensors;
        private final Map<String, Object> json;
        private final String name;

        Case(Path base) {
            this.name = base.getFileName().toString();
            this.tensors = SafeTensors.open(Path.of(base + ".safetensors"));
            Path j = Path.of(base + ".json");
            try {
                this.json = Files.exists(j) ? Json.parseObject(Files.readString(j)) : Map.of();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public String name() { return name; }
        public Tensor tensor(String n) { return tensors.get(n); }
        public boolean has(String n) { return tensors.contains(n); }
        public float[] floats(String n) { return tensors.get(n).toFloatArray(); }
        public SafeTensors safetensors() { return tensors; }
        public Map<String, Object> json() { return json; }

        @Override public void close() { tensors.close(); }
    }
}
