package jdiffusion.sd.unet;

/**
 * SDXL's conditioning vector {@code y} from its parts, diffusers' {@code added_cond_kwargs}: the pooled text
 * embedding followed by the sinusoidal embedding of each "time id" (original height and width, crop top and left,
 * then target height and width for the base, or the aesthetic score for the refiner). Each id is embedded on its
 * own like a timestep ({@code cat(cos, sin)}, sgm {@code ConcatTimestepEmbedderND}, diffusers {@code add_time_proj}).
 */
public final class TimeIds {
    private final Timesteps embedding;

    /** {@code dim}: the width of each id's embedding (diffusers {@code addition_time_embed_dim}, 256 in SDXL). */
    public TimeIds(int dim) { this.embedding = new Timesteps(dim, true, 0); }

    public int dim() { return embedding.dim(); }

    /** Row-major {@code [ids.length, dim]}: every id embedded separately (diffusers' {@code add_time_proj} output). */
    public float[] embed(float[] ids) { return embedding.project(ids); }

    /**
     * The vector {@code [batch, pooledWidth + idsPerSample·dim]} = {@code cat(pooled, E(id_0), E(id_1), ...)} per sample.
     *
     * @param pooled row-major {@code [batch, pooledWidth]}
     * @param ids    row-major {@code [batch, idsPerSample]}
     */
    public float[] vector(float[] pooled, float[] ids, int batch) {
        if (batch <= 0 || pooled.length % batch != 0 || ids.length % batch != 0)
            throw new UNetException("SDXL vector: " + pooled.length + " pooled values and " + ids.length + " time ids do not split into " + batch + " samples");
        int p = pooled.length / batch, n = ids.length / batch, d = dim();
        float[] embedded = embed(ids);
        float[] out = new float[batch * (p + n * d)];
        for (int b = 0; b < batch; b++) {
            int at = b * (p + n * d);
            System.arraycopy(pooled, b * p, out, at, p);
            System.arraycopy(embedded, b * n * d, out, at + p, n * d);
        }
        return out;
    }
}
