// Flash-style attention: a work-group of ATT_BQ items, one query row each, walks the keys in tiles of ATT_BK
// staged in local memory and keeps a running max, sum and output (online softmax), so the Lq x Lk score
// matrix never exists. The head sizes HEAD_D (q, k) and HEAD_DV (v) are compile-time constants, so the loops
// over channels unroll and the private q and accumulator can live in registers.
//
//   q [B, Lq, heads*d], k [B, Lk, heads*d], v [B, Lk, heads*dv]  ->  o [B, Lq, heads*dv]

kernel __attribute__((reqd_work_group_size(ATT_BQ, 1, 1)))
void attention(global const void *q, long q_off, int q_dt, global const void *k, long k_off, int k_dt,
               global const void *v, long v_off, int v_dt, global float *o,
               int lq, int lk, int heads, float scale, int causal) {
    const int d = HEAD_D, dv = HEAD_DV;
    local float Ks[ATT_BK * HEAD_D];
    local float Vs[ATT_BK * HEAD_DV];
    int lid = get_local_id(0);
    int qi = get_global_id(0), h = get_global_id(1), b = get_global_id(2);
    bool live = qi < lq;
    float qv[HEAD_D], acc[HEAD_DV], sc[ATT_BK];
    for (int p = 0; p < d; p++) qv[p] = live ? ld(q, q_off + ((long) b * lq + qi) * heads * d + h * d + p, q_dt) * scale : 0.0f;
    for (int p = 0; p < dv; p++) acc[p] = 0.0f;
    float m = -INFINITY, l = 0.0f;
    int q_last = min((int) (get_group_id(0) + 1) * ATT_BQ, lq);
    int kend = causal ? min(lk, q_last) : lk;
    int visible = causal ? min(qi + 1, lk) : lk;
    for (int j0 = 0; j0 < kend; j0 += ATT_BK) {
        int tile = min(ATT_BK, kend - j0);
        for (int idx = lid; idx < tile * d; idx += ATT_BQ) {
            int jj = idx / d, p = idx - jj * d;
            Ks[jj * HEAD_D + p] = ld(k, k_off + ((long) b * lk + j0 + jj) * heads * d + h * d + p, k_dt);
        }
        for (int idx = lid; idx < tile * dv; idx += ATT_BQ) {
            int jj = idx / dv, p = idx - jj * dv;
            Vs[jj * HEAD_DV + p] = ld(v, v_off + ((long) b * lk + j0 + jj) * heads * dv + h * dv + p, v_dt);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        int mine = live ? clamp(visible - j0, 0, tile) : 0;
        if (mine > 0) {
            float tile_max = -INFINITY;
            for (int jj = 0; jj < mine; jj++) {
                float s = 0.0f;
                for (int p = 0; p < d; p++) s = mad(qv[p], Ks[jj * HEAD_D + p], s);
                sc[jj] = s;
                tile_max = fmax(tile_max, s);
            }
            float m_new = fmax(m, tile_max);
            float correction = exp(m - m_new);
            l *= correction;
            for (int p = 0; p < dv; p++) acc[p] *= correction;
            for (int jj = 0; jj < mine; jj++) {
                float e = exp(sc[jj] - m_new);
                l += e;
                for (int p = 0; p < dv; p++) acc[p] = mad(e, Vs[jj * HEAD_DV + p], acc[p]);
            }
            m = m_new;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (!live) return;
    float inv = 1.0f / l;
    global float *out = o + ((long) b * lq + qi) * heads * dv + h * dv;
    for (int p = 0; p < dv; p++) out[p] = acc[p] * inv;
}
