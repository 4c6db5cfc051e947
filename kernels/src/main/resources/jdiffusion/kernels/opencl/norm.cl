// Row reductions: one work-group of REDUCE_WG items per row (layer norm, softmax) or per (batch, group)
// (group norm). Mean and variance take two passes so inputs far from zero keep their precision.

inline float reduce_sum(local float *scratch, float v) {
    int lid = get_local_id(0);
    scratch[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = REDUCE_WG / 2; s > 0; s >>= 1) {
        if (lid < s) scratch[lid] += scratch[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

inline float reduce_max(local float *scratch, float v) {
    int lid = get_local_id(0);
    scratch[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = REDUCE_WG / 2; s > 0; s >>= 1) {
        if (lid < s) scratch[lid] = fmax(scratch[lid], scratch[lid + s]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

// x [B, C, spatial] contiguous; work-group (n, g) normalises channels g*cpg .. g*cpg+cpg-1 of batch n.
kernel void group_norm(global const void *x, long x_off, int dt, global const void *gamma, long g_off, int g_dt,
                       global const void *beta, long b_off, int b_dt, global float *y,
                       int c, int groups, long spatial, float eps, int silu) {
    local float scratch[REDUCE_WG];
    int grp = get_group_id(0), n = get_group_id(1), lid = get_local_id(0);
    int cpg = c / groups;
    long len = (long) cpg * spatial;
    long base = ((long) n * c + (long) grp * cpg) * spatial;
    float s = 0;
    for (long i = lid; i < len; i += REDUCE_WG) s += ld(x, x_off + base + i, dt);
    float mean = reduce_sum(scratch, s) / (float) len;
    float q = 0;
    for (long i = lid; i < len; i += REDUCE_WG) { float d = ld(x, x_off + base + i, dt) - mean; q += d * d; }
    float inv = rsqrt(reduce_sum(scratch, q) / (float) len + eps);
    for (long i = lid; i < len; i += REDUCE_WG) {
        int ch = grp * cpg + (int) (i / spatial);
        float v = (ld(x, x_off + base + i, dt) - mean) * inv * ld(gamma, g_off + ch, g_dt) + ld(beta, b_off + ch, b_dt);
        y[base + i] = silu ? v / (1.0f + exp(-v)) : v;
    }
}

kernel void layer_norm(global const void *x, long x_off, int dt, global const void *gamma, long g_off, int g_dt,
                       global const void *beta, long b_off, int b_dt, global float *y, int c, float eps) {
    local float scratch[REDUCE_WG];
    long base = (long) get_group_id(0) * c;
    int lid = get_local_id(0);
    float s = 0;
    for (int i = lid; i < c; i += REDUCE_WG) s += ld(x, x_off + base + i, dt);
    float mean = reduce_sum(scratch, s) / (float) c;
    float q = 0;
    for (int i = lid; i < c; i += REDUCE_WG) { float d = ld(x, x_off + base + i, dt) - mean; q += d * d; }
    float inv = rsqrt(reduce_sum(scratch, q) / (float) c + eps);
    for (int i = lid; i < c; i += REDUCE_WG)
        y[base + i] = (ld(x, x_off + base + i, dt) - mean) * inv * ld(gamma, g_off + i, g_dt) + ld(beta, b_off + i, b_dt);
}

kernel void softmax_rows(global const void *x, long x_off, int dt, global float *y, int c) {
    local float scratch[REDUCE_WG];
    long base = (long) get_group_id(0) * c;
    int lid = get_local_id(0);
    float m = -INFINITY;
    for (int i = lid; i < c; i += REDUCE_WG) m = fmax(m, ld(x, x_off + base + i, dt));
    m = reduce_max(scratch, m);
    float s = 0;
    for (int i = lid; i < c; i += REDUCE_WG) s += exp(ld(x, x_off + base + i, dt) - m);
    float inv = 1.0f / reduce_sum(scratch, s);
    for (int i = lid; i < c; i += REDUCE_WG) y[base + i] = exp(ld(x, x_off + base + i, dt) - m) * inv;
}
