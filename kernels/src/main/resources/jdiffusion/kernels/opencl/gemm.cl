// Tiled GEMM: a work-group of RT_N x RT_M items computes a TS_M x TS_N tile of C, each item a WPT_M x WPT_N
// register block; TS_K-deep slices of A and B are staged in local memory. Tile sizes come from DeviceTuning.
// Operands are read through strides, so linear (B = Wᵀ), matmul and transposed views share one kernel, and
// F16/BF16 weights are widened while they are staged.
//
//        k0 .. k0+TS_K                         n0 .. n0+TS_N
//   m0 [ As (TS_K x TS_M) ]   x   k0 [ Bs (TS_K x TS_N) ]   ->  acc[WPT_M][WPT_N] per item

#define RT_M (TS_M / WPT_M)
#define RT_N (TS_N / WPT_N)
#define GEMM_WG (RT_M * RT_N)
// Staged rows are padded by one float: the k-major walk of a weight tile then stores to different banks.
#define LDA (TS_M + 1)
#define LDB (TS_N + 1)

// Which columns of the tile an item owns. GPUs interleave them (column tx + j*RT_N) so neighbouring items read
// neighbouring local-memory words; CPUs (VECTOR_COLUMNS) give each item WPT_N adjacent columns so the multiply-add
// runs on float vectors, which PoCL and other CPU drivers turn straight into SIMD instructions.
#if VECTOR_COLUMNS
#define COL(tx, j) ((tx) * WPT_N + (j))
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define VECN CAT(float, WPT_N)
#define VLOADN CAT(vload, WPT_N)
#define VSTOREN CAT(vstore, WPT_N)
#else
#define COL(tx, j) ((tx) + (j) * RT_N)
#endif

// acc += As[kk][rows of this item] * Bs[kk][columns of this item] over the staged slice.
inline void mac_tile(local const float *As, local const float *Bs, float *acc, int tx, int ty) {
#if VECTOR_COLUMNS
    VECN v[WPT_M];
    for (int i = 0; i < WPT_M; i++) v[i] = VLOADN(i, acc);
    for (int kk = 0; kk < TS_K; kk++) {
        VECN b = VLOADN(0, Bs + kk * LDB + tx * WPT_N);
        for (int i = 0; i < WPT_M; i++) v[i] = mad((VECN) (As[kk * LDA + ty + i * RT_M]), b, v[i]);
    }
    for (int i = 0; i < WPT_M; i++) VSTOREN(v[i], i, acc);
#else
    for (int kk = 0; kk < TS_K; kk++) {
        float ar[WPT_M], br[WPT_N];
        for (int i = 0; i < WPT_M; i++) ar[i] = As[kk * LDA + ty + i * RT_M];
        for (int j = 0; j < WPT_N; j++) br[j] = Bs[kk * LDB + COL(tx, j)];
        for (int i = 0; i < WPT_M; i++)
            for (int j = 0; j < WPT_N; j++) acc[i * WPT_N + j] = mad(ar[i], br[j], acc[i * WPT_N + j]);
    }
#endif
}

// Stages A[m0.., k0..] (element (m, k) at a_off + m*a_sm + k*a_sk) with zero fill past M and K. The walk order
// follows whichever axis is contiguous so neighbouring items read neighbouring addresses.
inline void stage_a(local float *As, global const void *a, long a_off, int a_dt, long a_sm, long a_sk,
                    int m0, int k0, int M, int K, int tid) {
    for (int idx = tid; idx < TS_M * TS_K; idx += GEMM_WG) {
        int mm, kk;
        if (a_sk == 1) { mm = idx / TS_K; kk = idx % TS_K; } else { mm = idx % TS_M; kk = idx / TS_M; }
        int gm = m0 + mm, gk = k0 + kk;
        As[kk * LDA + mm] = gm < M && gk < K ? ld(a, a_off + gm * a_sm + gk * a_sk, a_dt) : 0.0f;
    }
}

kernel __attribute__((reqd_work_group_size(RT_N, RT_M, 1)))
void gemm(global const void *a, long a_off, int a_dt, long a_sm, long a_sk, long a_batch,
          global const void *b, long b_off, int b_dt, long b_sk, long b_sn, long b_batch,
          global const void *bias, long bias_off, int bias_dt, int has_bias,
          global float *c, int M, int N, int K) {
    local float As[TS_K * LDA];
    local float Bs[TS_K * LDB];
    int tx = get_local_id(0), ty = get_local_id(1), tid = ty * RT_N + tx;
    int n0 = get_group_id(0) * TS_N, m0 = get_group_id(1) * TS_M;
    long batch = get_global_id(2);
    a_off += batch * a_batch;
    b_off += batch * b_batch;
    float acc[WPT_M * WPT_N];
    for (int i = 0; i < WPT_M * WPT_N; i++) acc[i] = 0.0f;
    for (int k0 = 0; k0 < K; k0 += TS_K) {
        stage_a(As, a, a_off, a_dt, a_sm, a_sk, m0, k0, M, K, tid);
        for (int idx = tid; idx < TS_N * TS_K; idx += GEMM_WG) {
            int nn, kk;
            if (b_sn == 1) { nn = idx % TS_N; kk = idx / TS_N; } else { nn = idx / TS_K; kk = idx % TS_K; }
            int gn = n0 + nn, gk = k0 + kk;
            Bs[kk * LDB + nn] = gn < N && gk < K ? ld(b, b_off + gk * b_sk + gn * b_sn, b_dt) : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        mac_tile(As, Bs, acc, tx, ty);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    global float *cb = c + batch * (long) M * N;
    for (int i = 0; i < WPT_M; i++) {
        int gm = m0 + ty + i * RT_M;
        if (gm >= M) continue;
        for (int j = 0; j < WPT_N; j++) {
            int gn = n0 + COL(tx, j);
            if (gn >= N) continue;
            // has_bias: 1 adds bias[n] (linear), 2 adds bias[m] (1x1 convolution: rows are output channels)
            float bv = has_bias == 1 ? ld(bias, bias_off + gn, bias_dt) : has_bias == 2 ? ld(bias, bias_off + gm, bias_dt) : 0.0f;
            cb[(long) gm * N + gn] = acc[i * WPT_N + j] + bv;
        }
    }
}

// Convolution as implicit GEMM: C[o, pixel] = W[o, (ic, dy, dx)] · X[(ic, dy, dx), pixel] with the im2col
// matrix X never materialised: each B tile is gathered from the NCHW input (zero outside the padding). The
// divisions that split a column into (oy, ox) and a row into (ic, dy, dx) are done once per tile into small
// local tables, so the gather itself is two lookups and an add.
#define OUTSIDE (-(1 << 28))

kernel __attribute__((reqd_work_group_size(RT_N, RT_M, 1)))
void conv2d(global const void *x, long x_off, int x_dt, global const void *w, long w_off, int w_dt,
            global const void *bias, long bias_off, int bias_dt, int has_bias, global float *y,
            int C, int H, int W, int O, int KH, int KW, int OH, int OW, int stride, int pad) {
    local float As[TS_K * LDA];
    local float Bs[TS_K * LDB];
    local int col_y[TS_N], col_x[TS_N];              // top-left input position of each output pixel of the tile
    local int row_off[TS_K], row_y[TS_K], row_x[TS_K]; // (ic, dy, dx) of each reduction row: offset and shifts
    int M = O, N = OH * OW, K = C * KH * KW, khw = KH * KW;
    int tx = get_local_id(0), ty = get_local_id(1), tid = ty * RT_N + tx;
    int n0 = get_group_id(0) * TS_N, m0 = get_group_id(1) * TS_M;
    long n = get_global_id(2);
    long x_base = x_off + n * (long) C * H * W;
    for (int nn = tid; nn < TS_N; nn += GEMM_WG) {
        int p = n0 + nn, oy = p / OW, ox = p - oy * OW;
        col_y[nn] = p < N ? oy * stride - pad : OUTSIDE;
        col_x[nn] = p < N ? ox * stride - pad : OUTSIDE;
    }
    float acc[WPT_M * WPT_N];
    for (int i = 0; i < WPT_M * WPT_N; i++) acc[i] = 0.0f;
    for (int k0 = 0; k0 < K; k0 += TS_K) {
        for (int kk = tid; kk < TS_K; kk += GEMM_WG) {
            int gk = k0 + kk, ic = gk / khw, r = gk - ic * khw, dy = r / KW, dx = r - dy * KW;
            row_off[kk] = (ic * H + dy) * W + dx;
            row_y[kk] = gk < K ? dy : OUTSIDE;
            row_x[kk] = dx;
        }
        stage_a(As, w, w_off, w_dt, K, 1, m0, k0, M, K, tid);
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int idx = tid; idx < TS_N * TS_K; idx += GEMM_WG) {
            int nn = idx % TS_N, kk = idx / TS_N;
            int iy = col_y[nn] + row_y[kk], ix = col_x[nn] + row_x[kk];
            Bs[kk * LDB + nn] = iy >= 0 && iy < H && ix >= 0 && ix < W
                    ? ld(x, x_base + row_off[kk] + (long) col_y[nn] * W + col_x[nn], x_dt) : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        mac_tile(As, Bs, acc, tx, ty);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    global float *yb = y + n * (long) M * N;
    for (int i = 0; i < WPT_M; i++) {
        int gm = m0 + ty + i * RT_M;
        if (gm >= M) continue;
        float bv = has_bias ? ld(bias, bias_off + gm, bias_dt) : 0.0f;
        for (int j = 0; j < WPT_N; j++) {
            int gn = n0 + COL(tx, j);
            if (gn < N) yb[(long) gm * N + gn] = acc[i * WPT_N + j] + bv;
        }
    }
}
