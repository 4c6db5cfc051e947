// Activations and broadcasting arithmetic. Every input is (buffer, offset, dtype); outputs are F32 contiguous.

#define OP_GELU 0
#define OP_GELU_TANH 1
#define OP_QUICK_GELU 2
#define OP_SILU 3
#define OP_SCALE 4
#define OP_LEAKY_RELU 5

inline float gelu_erf(float v) { return 0.5f * v * (1.0f + erf(v * 0.70710678118654752f)); }

inline float sigmoid(float v) { return 1.0f / (1.0f + exp(-v)); }

inline float activate(float v, int op, float s) {
    switch (op) {
        case OP_GELU: return gelu_erf(v);
        case OP_GELU_TANH: return 0.5f * v * (1.0f + tanh(0.7978845608028654f * (v + 0.044715f * v * v * v)));
        case OP_QUICK_GELU: return v * sigmoid(1.702f * v);
        case OP_SILU: return v * sigmoid(v);
        case OP_LEAKY_RELU: return v < 0.0f ? v * s : v;
        default: return v * s;
    }
}

kernel void unary(global const void *x, long x_off, int dt, global float *y, long n, int op, float s) {
    long i = get_global_id(0);
    if (i < n) y[i] = activate(ld(x, x_off + i, dt), op, s);
}

// Diffusers' GEGLU: hidden * gelu(gate) over rows of 2c, hidden first.
kernel void geglu(global const void *x, long x_off, int dt, global float *y, long rows, int c) {
    long i = get_global_id(0);
    if (i >= rows * c) return;
    long r = i / c;
    int j = (int) (i % c);
    long base = x_off + r * 2 * c;
    y[i] = ld(x, base + j, dt) * gelu_erf(ld(x, base + c + j, dt));
}

#define OP_ADD 0
#define OP_SUB 1
#define OP_MUL 2
#define OP_PRELU 3

inline float combine(float u, float v, int op) {
    switch (op) {
        case OP_ADD: return u + v;
        case OP_SUB: return u - v;
        case OP_MUL: return u * v;
        default: return u < 0.0f ? u * v : u;
    }
}

// out[i] = a[i] op b[i] with numpy broadcasting: a and b carry strides over the output shape, 0 on broadcast axes.
kernel void binary(global const void *a, long a_off, int a_dt, long8 a_strides8,
                   global const void *b, long b_off, int b_dt, long8 b_strides8,
                   global float *y, int rank, int8 shape8, long n, int op) {
    long i = get_global_id(0);
    if (i >= n) return;
    int shape[MAX_RANK] = {shape8.s0, shape8.s1, shape8.s2, shape8.s3, shape8.s4, shape8.s5, shape8.s6, shape8.s7};
    long as[MAX_RANK] = {a_strides8.s0, a_strides8.s1, a_strides8.s2, a_strides8.s3, a_strides8.s4, a_strides8.s5, a_strides8.s6, a_strides8.s7};
    long bs[MAX_RANK] = {b_strides8.s0, b_strides8.s1, b_strides8.s2, b_strides8.s3, b_strides8.s4, b_strides8.s5, b_strides8.s6, b_strides8.s7};
    long ia = a_off, ib = b_off, rest = i;
    for (int d = rank - 1; d >= 0; d--) {
        long idx = rest % shape[d];
        rest /= shape[d];
        ia += idx * as[d];
        ib += idx * bs[d];
    }
    float u = ld(a, ia, a_dt), v = ld(b, ib, b_dt);
    y[i] = combine(u, v, op);
}

// Same-shape contiguous fast path.
kernel void binary_flat(global const void *a, long a_off, int a_dt, global const void *b, long b_off, int b_dt,
                        global float *y, long n, int op) {
    long i = get_global_id(0);
    if (i >= n) return;
    float u = ld(a, a_off + i, a_dt), v = ld(b, b_off + i, b_dt);
    y[i] = combine(u, v, op);
}
