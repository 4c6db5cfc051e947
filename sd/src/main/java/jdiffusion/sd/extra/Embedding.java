package jdiffusion.sd.extra;

import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.ckpt.CheckpointException;
import jdiffusion.tensor.ckpt.CheckpointFiles;
import jdiffusion.tensor.ckpt.ModelHash;
import jdiffusion.tensor.ckpt.TensorFile;

import java.nio.file.Path;
import java.util.Map;

/**
 * A textual-inversion embedding as the WebUI reads it ({@code textual_inversion.create_embedding_from_data}, v1.10.1):
 * {@code vectors} rows of width {@code dim} that replace the token embeddings of its name in a prompt. Formats:
 * <ul>
 *   <li>A1111 {@code .pt}: {@code {'string_to_param': {'*': [n, dim]}, 'name': ..., 'step': ...}};</li>
 *   <li>{@code .safetensors} {@code {'emb_params': [n, dim]}};</li>
 *   <li>a diffusers concept: a file holding one tensor ({@code [dim]} or {@code [n, dim]});</li>
 *   <li>SDXL: {@code clip_l} {@code [n, 768]} and {@code clip_g} {@code [n, 1280]}, one set of vectors per text encoder
 *       ({@link #sdxlVectors()}); using one on SD 1.x/2.x, or an SD 1.x/2.x one on SDXL, is refused by name.</li>
 * </ul>
 * The name is the file name without extension, as in the WebUI.
 *
 * @param vectors     the {@code [count, dim]} rows of an SD 1.x/2.x embedding; empty for SDXL
 * @param dim         the row width; for SDXL the two encoders' widths added
 * @param sdxlVectors an SDXL embedding's rows per encoder, null for SD 1.x/2.x
 */
public record Embedding(String name, Path path, float[] vectors, int count, int dim, SdxlVectors sdxlVectors) {

    /** An SDXL embedding's {@code clip_l} {@code [count, clipLDim]} and {@code clip_g} {@code [count, clipGDim]} rows. */
    public record SdxlVectors(float[] clipL, int clipLDim, float[] clipG, int clipGDim) {}

    /** True for an SDXL embedding ({@code clip_l} + {@code clip_g}). */
    public boolean sdxl() { return sdxlVectors != null; }

    public static Embedding load(Path file) {
        String name = ModelsFolder.stem(file);
        TensorFile f;
        try {
            f = CheckpointFiles.open(file);
        } catch (CheckpointException e) {
            throw new ExtraNetworkException("embedding " + e.getMessage(), e);
        }
        try (f) {
            Object stp = f.metadata().get("string_to_param");
            Tensor t = null;
            if (stp instanceof Map<?, ?> params) {
                if (params.size() != 1) throw new ExtraNetworkException(file + ": embedding file has " + params.size() + " terms in string_to_param; one is supported");
                Object v = params.values().iterator().next();
                if (!(v instanceof Tensor tensor)) throw new ExtraNetworkException(file + ": string_to_param holds no tensor");
                t = tensor;
            } else if (f.contains("emb_params")) {
                t = f.get("emb_params");
            } else if (f.contains("clip_l") && f.contains("clip_g")) {
                Tensor l = rows(file, "clip_l", f.get("clip_l")), g = rows(file, "clip_g", f.get("clip_g"));
                // the WebUI counts clip_g's rows; files whose two parts disagree are broken
                if (l.size(0) != g.size(0))
                    throw new ExtraNetworkException(file + ": SDXL embedding has " + l.size(0) + " clip_l vectors but " + g.size(0) + " clip_g vectors");
                SdxlVectors v = new SdxlVectors(l.toFloatArray(), l.size(1), g.toFloatArray(), g.size(1));
                return new Embedding(name, file, new float[0], g.size(0), l.size(1) + g.size(1), v);
            } else if (f.names().size() == 1) {
                t = f.get(f.names().iterator().next());
            } else {
                throw new ExtraNetworkException(file + ": neither a textual-inversion embedding (string_to_param / emb_params) nor a diffusers concept (one tensor); it has "
                        + f.names().stream().limit(5).toList() + " and " + f.metadata().keySet());
            }
            t = rows(file, "embedding", t);
            return new Embedding(name, file, t.toFloatArray(), t.size(0), t.size(1), null);
        }
    }

    /** {@code t} as {@code [vectors, width]} (a single vector {@code [width]} is one row). */
    private static Tensor rows(Path file, String what, Tensor t) {
        if (t.rank() == 1) t = t.reshape(1, t.size(0));
        if (t.rank() != 2) throw new ExtraNetworkException(file + ": " + what + " tensor has shape " + java.util.Arrays.toString(t.shape()) + ", expected [vectors, width]");
        return t;
    }

    /** The WebUI's short hash for "TI hashes": the first 12 hex digits of the file's SHA-256. */
    public String shorthash() { return ModelHash.sha256(path).substring(0, 12); }

    /** Row {@code i} of the vectors. */
    public float[] vector(int i) { return java.util.Arrays.copyOfRange(vectors, i * dim, (i + 1) * dim); }
}
