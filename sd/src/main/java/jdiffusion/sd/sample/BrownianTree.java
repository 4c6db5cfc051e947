package jdiffusion.sd.sample;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * torchsde's {@code BrownianTree} (a {@code BrownianInterval} with {@code halfway_tree=True},
 * {@code tol=1e-6}, {@code pool_size=24}) for one image: a Brownian motion on [t0, t1] whose increments
 * depend only on the entropy (the image's seed), not on the order or location of queries. The interval
 * is split at (rounded) halves; each split node's noise comes from a fresh torch generator seeded by
 * numpy's SeedSequence of (entropy, spawn key, depth), and children's increments are Brownian-bridge
 * samples of their parent's.
 */
final class BrownianTree {
    private static final int POOL_SIZE = 24;
    private static final int DIGITS = 6;
    private static final int CACHE_SIZE = 64;

    private final RngSource device;
    private final int[] shape;
    private final long entropy;
    private final Node top;
    private final float[] topW;
    private final Map<Node, float[]> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<Node, float[]> e) { return size() > CACHE_SIZE; }
    };

    private final class Node {
        final double start, end;
        final Node parent;
        final boolean isLeft;
        double midway = Double.NaN;
        long spawnKey;
        int depth;
        long wSeed;
        Node left, right;

        Node(double start, double end, Node parent, boolean isLeft) {
            this.start = round(start);
            this.end = round(end);
            this.parent = parent;
            this.isLeft = isLeft;
        }

        void split(double at) {
            splitExact(0.5 * (end + start));
            if (at > midway) right.split(at);
            else if (at < midway) left.split(at);
        }

        void splitExact(double at) {
            midway = round(at);
            if (parent == null) { spawnKey = 0; depth = 0; }
            else { spawnKey = 2 * parent.spawnKey + (isLeft ? 0 : 1); depth = parent.depth + 1; }
            wSeed = new SeedSequence(entropy, new long[]{spawnKey, depth}, POOL_SIZE).generateState(4)[0];
            left = new Node(start, at, this, true);
            right = new Node(at, end, this, false);
        }

        void locate(double ta, double tb, List<Node> out) {
            if (ta < start || tb > end) { parent.locate(ta, tb, out); return; }
            if (ta == start && tb == end) { out.add(this); return; }
            if (Double.isNaN(midway)) {
                if (ta == start) { split(tb); left.locate(ta, tb, out); return; }
                split(ta);
                right.locate(ta, tb, out);
                return;
            }
            if (tb <= midway) { left.locate(ta, tb, out); return; }
            if (ta >= midway) { right.locate(ta, tb, out); return; }
            left.locate(ta, midway, out);
            right.locate(midway, tb, out);
        }
    }

    /**
     * @param device which generator torch would use for the tree's noise: the latents' device (CUDA = the
     *               Philox source, CPU = torch's CPU source)
     */
    BrownianTree(double t0, double t1, int[] shape, long entropy, RngSource device) {
        if (!(t0 < t1)) throw new SamplingException("Brownian tree needs t0 < t1, got " + t0 + ", " + t1);
        this.device = device;
        this.shape = shape.clone();
        this.entropy = entropy;
        this.top = new Node(t0, t1, null, false);
        long wSeed = new SeedSequence(entropy, new long[0], POOL_SIZE).generateState(3)[0];
        float[] w = randn(wSeed);
        float scale = (float) Math.sqrt(t1 - t0);
        for (int i = 0; i < w.length; i++) w[i] = w[i] * scale;
        this.topW = w;
    }

    private static double round(double x) {
        if (Double.isInfinite(x) || Double.isNaN(x)) return x;
        return new BigDecimal(x).setScale(DIGITS, RoundingMode.HALF_EVEN).doubleValue();
    }

    private float[] randn(long seed) { return device.generator(seed).randn(shape); }

    /** W(tb) - W(ta) for t0 <= ta <= tb <= t1 (queries outside are clamped, as torchsde does with a warning). */
    float[] increment(double ta, double tb) {
        ta = Math.min(Math.max(ta, top.start), top.end);
        tb = Math.min(Math.max(tb, top.start), top.end);
        if (ta > tb) throw new SamplingException("Brownian query needs ta <= tb, got " + ta + " > " + tb);
        int n = NoiseGenerator.numel(shape);
        if (ta == tb) return new float[n];
        List<Node> intervals = new ArrayList<>();
        top.locate(round(ta), round(tb), intervals);
        float[] w = increment(intervals.get(0)).clone();
        for (int k = 1; k < intervals.size(); k++) {
            float[] wi = increment(intervals.get(k));
            for (int i = 0; i < n; i++) w[i] = w[i] + wi[i];
        }
        return w;
    }

    private float[] increment(Node node) {
        if (node == top) return topW;
        float[] cached = cache.get(node);
        if (cached != null) return cached;
        Node p = node.parent;
        float[] pw = increment(p);
        double hReciprocal = 1 / (p.end - p.start);
        double leftDiff = p.midway - p.start;
        double rightDiff = p.end - p.midway;
        float lf = (float) leftDiff, hr = (float) hReciprocal;
        float sd = (float) Math.sqrt(leftDiff * rightDiff * hReciprocal);
        float[] noise = randn(p.wSeed);
        float[] out = new float[pw.length];
        for (int i = 0; i < out.length; i++) {
            float leftW = lf * pw[i] * hr + sd * noise[i];
            out[i] = node.isLeft ? leftW : pw[i] - leftW;
        }
        cache.put(node, out);
        return out;
    }
}
