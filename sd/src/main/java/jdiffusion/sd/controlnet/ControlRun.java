package jdiffusion.sd.controlnet;

import jdiffusion.sd.unet.ControlResiduals;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs one ControlNet on the rows of a UNet call that it applies to and gives residuals for the whole batch, zero on
 * the other rows (the network treats rows independently, so this equals running all rows and zeroing some).
 */
final class ControlRun {
    private ControlRun() {}

    /**
     * @param hint   {@code [1, 3, H, W]} host values, repeated for every row
     * @param rows   which rows get the residuals; null rows get zeros
     */
    static ControlResiduals residuals(Backend backend, ControlNet net, float[] hint, int hintH, int hintW, UNetCall call, boolean[] rows, float[] scales) {
        int n = call.channels() * call.height() * call.width(), ctx = call.tokens() * call.dim();
        int inChannels = net.config().unet().inChannels();
        List<ControlResiduals> pieces = new ArrayList<>();
        List<Integer> zeroRuns = new ArrayList<>();
        int r = 0;
        while (r < call.rows()) {
            int start = r;
            boolean on = rows[r];
            while (r < call.rows() && rows[r] == on) r++;
            int count = r - start;
            if (!on) {
                pieces.add(null);
                zeroRuns.add(count);
                continue;
            }
            float[] x = new float[count * inChannels * call.height() * call.width()];
            int plane = call.height() * call.width();
            for (int i = 0; i < count; i++)
                System.arraycopy(call.x(), (start + i) * n, x, i * inChannels * plane, inChannels * plane);
            float[] c = new float[count * ctx];
            System.arraycopy(call.context(), start * ctx, c, 0, count * ctx);
            float[] h = new float[count * hint.length];
            for (int i = 0; i < count; i++) System.arraycopy(hint, 0, h, i * hint.length, hint.length);
            pieces.add(net.forward(backend.fromFloats(x, count, inChannels, call.height(), call.width()), new float[] {call.t()},
                    backend.fromFloats(c, count, call.tokens(), call.dim()), backend.fromFloats(h, count, 3, hintH, hintW), scales, null));
            zeroRuns.add(count);
        }
        boolean any = false;
        for (ControlResiduals p : pieces) any |= p != null;
        if (!any) return null;
        if (pieces.size() == 1) return pieces.getFirst();
        // several runs: concatenate along the batch, zeros where the unit does not apply
        ControlResiduals shapes = pieces.stream().filter(p -> p != null).findFirst().orElseThrow();
        List<Tensor> down = new ArrayList<>();
        for (int i = 0; i <= shapes.down().size(); i++) {
            boolean mid = i == shapes.down().size();
            Tensor[] parts = new Tensor[pieces.size()];
            for (int k = 0; k < pieces.size(); k++) {
                ControlResiduals p = pieces.get(k);
                if (p != null) {
                    parts[k] = mid ? p.mid() : p.down().get(i);
                } else {
                    int[] s = (mid ? shapes.mid() : shapes.down().get(i)).shape();
                    s[0] = zeroRuns.get(k);
                    parts[k] = backend.zeros(s);
                }
            }
            down.add(backend.concat(0, parts));
        }
        for (ControlResiduals p : pieces) if (p != null) p.release(backend);
        Tensor mid = down.removeLast();
        return new ControlResiduals(down, mid);
    }

    /** {@code a + b}, releasing both; either may be null (no residuals). */
    static ControlResiduals sum(Backend backend, ControlResiduals a, ControlResiduals b) {
        if (a == null) return b;
        if (b == null) return a;
        ControlResiduals s = a.plus(backend, b);
        a.release(backend);
        b.release(backend);
        return s;
    }

    static boolean[] allRows(int n) {
        boolean[] b = new boolean[n];
        java.util.Arrays.fill(b, true);
        return b;
    }
}
