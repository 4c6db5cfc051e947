// Shared by every program. Tensors reach kernels as (buffer, element offset, dtype); weights keep their
// file dtype on the device and are widened to float here, so F16/BF16 weights stay half size.
#define DT_F32 0
#define DT_F16 1
#define DT_BF16 2

#define MAX_RANK 8

inline float ld(global const void *p, long i, int dt) {
    if (dt == DT_F32) return ((global const float *) p)[i];
    if (dt == DT_F16) return vload_half(i, (global const half *) p);
    return as_float(((uint) ((global const ushort *) p)[i]) << 16);
}

// Element offset of flat row-major index i of a view with the given shape and strides.
inline long strided_offset(long i, int rank, const int *shape, const long *strides) {
    long off = 0;
    for (int d = rank - 1; d >= 0; d--) {
        long s = shape[d];
        off += (i % s) * strides[d];
        i /= s;
    }
    return off;
}
