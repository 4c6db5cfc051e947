package jdiffusion.kernels.opencl;

/**
 * Every size that depends on the device, chosen in this one place from what the device reports (local memory,
 * maximum work-group size, preferred vector width) and handed to the kernels as {@code -D} defines.
 *
 * @param tileM        GEMM/conv rows of C per work-group ({@code TS_M})
 * @param tileN        GEMM/conv columns of C per work-group ({@code TS_N})
 * @param tileK        depth of the A/B slices staged in local memory ({@code TS_K})
 * @param workM        rows of the register block each work-item computes ({@code WPT_M})
 * @param workN        columns of the register block ({@code WPT_N})
 * @param reduceGroup  work-group size of row reductions (norms, softmax); a power of two
 * @param attentionQueries queries per attention work-group ({@code ATT_BQ})
 * @param localMemoryBytes the device's local memory, which bounds the attention key tile
 * @param vectorColumns each work-item owns {@code workN} adjacent columns and computes them as one float vector
 *                      (CPUs); otherwise columns interleave across work-items (GPUs), see gemm.cl
 */
public record DeviceTuning(int tileM, int tileN, int tileK, int workM, int workN, int reduceGroup, int attentionQueries,
                           long localMemoryBytes, boolean vectorColumns) {

    public static DeviceTuning of(OpenClDevice d) {
        int maxGroup = d.maxWorkGroupSize();
        int reduce = Integer.highestOneBit(Math.max(1, Math.min(256, maxGroup)));
        // GPUs hide latency with many work-items: 16x16 of them with 4 x 4..8 register blocks. CPU drivers run a
        // work-group as a loop over its items, so there fewer items with 8 x (vector width) blocks and deeper slices
        // do more arithmetic per staged element (about +30% on PoCL).
        boolean cpu = !d.gpu();
        int wptN = Integer.highestOneBit(Math.clamp(d.preferredFloatVectorWidth(), 4, 8));
        int wptM = cpu ? 8 : 4;
        int items = cpu ? 8 : 16;
        while (items > 1 && items * items > maxGroup) items /= 2;
        int tileK = cpu ? 32 : 16;
        // Both staged slices must fit with room to spare (48 KiB is the common GPU budget).
        while ((long) tileK * (items * (wptM + wptN) + 2) * 4 > d.localMemoryBytes() / 2 && items > 1) items /= 2;
        int queries = Integer.highestOneBit(Math.max(1, Math.min(64, maxGroup)));
        return new DeviceTuning(items * wptM, items * wptN, tileK, wptM, wptN, reduce, queries, d.localMemoryBytes(), cpu);
    }

    /** The same sizes with GPU-style interleaved columns, or CPU-style vector columns. */
    public DeviceTuning withVectorColumns(boolean vector) {
        return new DeviceTuning(tileM, tileN, tileK, workM, workN, reduceGroup, attentionQueries, localMemoryBytes, vector);
    }

    /** Half the work-items per GEMM and reduction group (same register blocks), for drivers that allow fewer. */
    DeviceTuning halved() {
        int itemsN = Math.max(1, gemmItemsN() / 2), itemsM = Math.max(1, gemmItemsM() / 2);
        return new DeviceTuning(itemsM * workM, itemsN * workN, tileK, workM, workN, Math.max(1, reduceGroup / 2),
                attentionQueries, localMemoryBytes, vectorColumns);
    }

    /** Work-items per GEMM/conv work-group along N (dimension 0) and M (dimension 1). */
    int gemmItemsN() { return tileN / workN; }

    int gemmItemsM() { return tileM / workM; }

    /** Keys per attention tile: a K row of {@code d} and a V row of {@code dv} floats per key, in half the local memory. */
    int attentionKeys(int d, int dv) {
        long fit = localMemoryBytes / 2 / ((long) (d + dv) * Float.BYTES);
        return (int) Math.clamp(fit, 1, 32);
    }

    String mainDefines() {
        return " -DTS_M=" + tileM + " -DTS_N=" + tileN + " -DTS_K=" + tileK + " -DWPT_M=" + workM + " -DWPT_N=" + workN
                + " -DREDUCE_WG=" + reduceGroup + " -DVECTOR_COLUMNS=" + (vectorColumns ? 1 : 0);
    }

    /** The attention kernel is compiled per head size (SD uses a handful: 40, 80, 160, 64), see attention.cl. */
    String attentionDefines(int d, int dv) {
        return " -DHEAD_D=" + d + " -DHEAD_DV=" + dv + " -DATT_BQ=" + attentionQueries + " -DATT_BK=" + attentionKeys(d, dv);
    }
}
