// Copies and index shuffles. Views of any rank up to MAX_RANK arrive as int8 shape + long8 strides.

inline void unpack(int8 shape8, long8 strides8, int *shape, long *strides) {
    shape[0] = shape8.s0; shape[1] = shape8.s1; shape[2] = shape8.s2; shape[3] = shape8.s3;
    shape[4] = shape8.s4; shape[5] = shape8.s5; shape[6] = shape8.s6; shape[7] = shape8.s7;
    strides[0] = strides8.s0; strides[1] = strides8.s1; strides[2] = strides8.s2; strides[3] = strides8.s3;
    strides[4] = strides8.s4; strides[5] = strides8.s5; strides[6] = strides8.s6; strides[7] = strides8.s7;
}

// Any-dtype strided view -> F32 at dst[dst_off + strided(i, dst_strides)] (contiguous copies, concat slices).
kernel void gather_f32(global const void *src, long src_off, int dt, int rank, int8 shape8, long8 src_strides8,
                       global float *dst, long dst_off, long8 dst_strides8, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    int shape[MAX_RANK]; long ss[MAX_RANK]; long ds[MAX_RANK]; int unused[MAX_RANK];
    unpack(shape8, src_strides8, shape, ss);
    unpack(shape8, dst_strides8, unused, ds);
    dst[dst_off + strided_offset(i, rank, shape, ds)] = ld(src, src_off + strided_offset(i, rank, shape, ss), dt);
}

// Dtype-preserving contiguous copy of a strided view, for 4- and 2-byte elements.
kernel void copy_strided32(global const uint *src, long src_off, int rank, int8 shape8, long8 strides8, global uint *dst, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    int shape[MAX_RANK]; long ss[MAX_RANK];
    unpack(shape8, strides8, shape, ss);
    dst[i] = src[src_off + strided_offset(i, rank, shape, ss)];
}

kernel void copy_strided16(global const ushort *src, long src_off, int rank, int8 shape8, long8 strides8, global ushort *dst, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    int shape[MAX_RANK]; long ss[MAX_RANK];
    unpack(shape8, strides8, shape, ss);
    dst[i] = src[src_off + strided_offset(i, rank, shape, ss)];
}

// PyTorch's nearest: source = min(floor(dst * (in/out)), in-1), with the scale rounded to float on the host.
inline int nearest_source(int dst, int in, int out, float scale) {
    if (in == out) return dst;
    if (out == 2 * in) return dst >> 1;
    return min((int) floor((float) dst * scale), in - 1);
}

kernel void upsample_nearest(global const void *x, long x_off, int dt, global float *y, int planes, int h, int w,
                             int oh, int ow, float scale_h, float scale_w) {
    long i = get_global_id(0);
    long n = (long) planes * oh * ow;
    if (i >= n) return;
    int ox = (int) (i % ow);
    int oy = (int) ((i / ow) % oh);
    long p = i / ((long) ow * oh);
    int sy = nearest_source(oy, h, oh, scale_h), sx = nearest_source(ox, w, ow, scale_w);
    y[i] = ld(x, x_off + (p * h + sy) * w + sx, dt);
}

kernel void gather_rows(global const void *table, long t_off, int dt, global const int *ids, global float *y, int d, int rows) {
    int c = get_global_id(0), r = get_global_id(1);
    if (c >= d || r >= rows) return;
    y[(long) r * d + c] = ld(table, t_off + (long) ids[r] * d + c, dt);
}
