package jdiffusion.tools.generate;

import jdiffusion.sd.image.Png;
import jdiffusion.sd.pipeline.CrossAttentionMaps;
import jdiffusion.sd.pipeline.GeneratedImage;
import jdiffusion.sd.pipeline.GenerationTrace;
import jdiffusion.sd.unet.AttentionObserver;
import jdiffusion.tensor.SafeTensorsWriter;
import jdiffusion.tensor.Tensor;
import jdiffusion.tensor.json.Json;
import jdiffusion.tools.TextTable;
import jdiffusion.tools.UsageException;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/**
 * {@code --attention-maps DIR}: the first image's per-token cross-attention maps ({@link CrossAttentionMaps}) written as
 * one heat map per prompt token over the image ({@code NN-cC-iI-token.png}, the map scaled to its own min..max, jet
 * colours at half opacity), an {@code overview.png} of them all, {@code tokens.json} and the raw maps in
 * {@code maps.safetensors}: {@code maps} {@code [tokens, H, W]} at image size for the prompt tokens,
 * {@code maps_latent} {@code [keys, h, w]} for every key (BOS, padding and later chunks too), {@code token_keys} their key
 * indices, and per chosen layer {@code layer.<module path>} {@code [keys, h_l, w_l]} (heads summed, not upsampled).
 */
public final class AttentionMapOutput implements GenerationTrace {
    private final Path dir;
    private final CrossAttentionMaps maps;
    private final String layersSpec, stepsSpec;
    private boolean done;

    /** {@code dir} null: nothing is written, {@link #heatMaps} gives the pictures (the server's {@code jsd_attention_maps}). */
    public AttentionMapOutput(Path dir, int latentHeight, int latentWidth, String layersSpec, String stepsSpec) {
        this.dir = dir == null ? null : StepImages.checkFolder(dir);
        this.layersSpec = layersSpec;
        this.stepsSpec = stepsSpec;
        this.maps = new CrossAttentionMaps(latentHeight, latentWidth, 0, layers(layersSpec), steps(stepsSpec));
    }

    /** {@code down,mid,up} or module path prefixes ({@code up_blocks.1}, a full {@code ...attn2} path); empty or "all" for every layer. */
    static Predicate<String> layers(String spec) {
        if (spec == null || spec.isBlank() || spec.equals("all")) return l -> true;
        List<String> prefixes = new ArrayList<>();
        for (String p : spec.split(",")) {
            String s = p.strip();
            prefixes.add(switch (s) {
                case "down" -> "down_blocks";
                case "mid", "middle" -> "mid_block";
                case "up" -> "up_blocks";
                default -> {
                    if (!s.matches("(down_blocks|mid_block|up_blocks)[\\w.]*"))
                        throw new UsageException("--attention-layers takes down, mid, up or module paths such as up_blocks.1 or "
                                + "down_blocks.0.attentions.1.transformer_blocks.0.attn2, not '" + s + "'");
                    yield s;
                }
            });
        }
        return l -> prefixes.stream().anyMatch(p -> l.equals(p) || l.startsWith(p + "."));
    }

    /** {@code 1-5,8} (1-based, inclusive); empty or "all" for every step. */
    static IntPredicate steps(String spec) {
        if (spec == null || spec.isBlank() || spec.equals("all")) return s -> true;
        List<int[]> ranges = new ArrayList<>();
        for (String p : spec.split(",")) {
            String[] ab = p.strip().split("-", -1);
            try {
                int a = Integer.parseInt(ab[0].strip()), b = ab.length > 1 ? Integer.parseInt(ab[1].strip()) : a;
                if (ab.length > 2 || a < 1 || b < a) throw new NumberFormatException();
                ranges.add(new int[]{a, b});
            } catch (NumberFormatException e) {
                throw new UsageException("--attention-steps takes steps and ranges counted from 1, e.g. 1-5,8, not '" + spec + "'");
            }
        }
        return s -> ranges.stream().anyMatch(r -> s >= r[0] && s <= r[1]);
    }

    @Override public AttentionObserver attentionObserver() {
        return (layer, backend, q, k, heads) -> {
            if (!done) maps.crossAttention(layer, backend, q, k, heads);
        };
    }

    // the sampler reports step i (0-based) after its model call, so the calls that follow belong to step i + 2
    @Override public void stepInput(int step, float[] x) { if (!done) maps.step(step + 2); }

    @Override public void finalLatents(float[] latents) { done = true; }

    /** One prompt token's map at image size and its picture over the image. */
    public record HeatMap(PromptTokens.Token token, float[] map, BufferedImage overlay) {}

    /** Per prompt token of {@code prompt} (the run's first image's), its aggregated map and heat-map picture over {@code image}. */
    public List<HeatMap> heatMaps(GeneratedImage image, PromptTokens prompt) {
        if (maps.calls() == 0 && !maps.skippedLayers().isEmpty())
            throw new jdiffusion.tools.CommandException("the run's latents were not " + maps.latentWidth() + "x" + maps.latentHeight()
                    + " (inpainting only the masked area runs at the crop's size, which attention maps do not follow); nothing written");
        if (maps.calls() == 0)
            throw new jdiffusion.tools.CommandException("no cross-attention layer matched --attention-layers '" + layersSpec
                    + "' at --attention-steps '" + stepsSpec + "'; nothing written");
        int keys = maps.tokens(), lh = maps.latentHeight(), lw = maps.latentWidth(), w = image.width(), h = image.height();
        float[] latent = maps.aggregate();
        BufferedImage base = StepImages.image(image.rgb(), w, h);
        List<HeatMap> out = new ArrayList<>();
        for (PromptTokens.Token t : prompt.tokens()) {
            if (t.key() >= keys) continue;
            float[] up = CrossAttentionMaps.bilinear(latent, t.key() * lh * lw, lh, lw, h, w);
            out.add(new HeatMap(t, up, overlay(base, up)));
        }
        return out;
    }

    /** Writes everything for {@code image} (the run's first) and prints the token table to {@code err}. */
    void finish(GeneratedImage image, PromptTokens prompt, PrintStream err) throws IOException {
        List<HeatMap> heat = heatMaps(image, prompt);
        Files.createDirectories(dir);
        int keys = maps.tokens(), lh = maps.latentHeight(), lw = maps.latentWidth(), w = image.width(), h = image.height();
        List<PromptTokens.Token> tokens = heat.stream().map(HeatMap::token).toList();
        if (keys != 77 * prompt.chunks())
            err.println("jsd: the prompt ran as " + keys / 77 + " chunk(s) (prompt editing, AND or embeddings), the token list shows "
                    + prompt.chunks() + "; maps.safetensors holds every key");
        float[] latent = maps.aggregate();
        float[] full = new float[tokens.size() * h * w];
        BufferedImage base = StepImages.image(image.rgb(), w, h);
        List<BufferedImage> overlays = new ArrayList<>();
        for (int n = 0; n < heat.size(); n++) {
            PromptTokens.Token t = tokens.get(n);
            System.arraycopy(heat.get(n).map(), 0, full, n * h * w, h * w);
            overlays.add(heat.get(n).overlay());
            Files.write(dir.resolve(String.format(Locale.ROOT, "%02d-c%d-i%02d-%s.png", n, t.chunk(), t.index(), safe(t.text()))), StepImages.png(heat.get(n).overlay()));
        }
        Files.write(dir.resolve("overview.png"), StepImages.png(overview(base, overlays, tokens)));
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("maps", Tensor.of(full, tokens.size(), h, w));
        float[] keyIndex = new float[tokens.size()];
        for (int n = 0; n < keyIndex.length; n++) keyIndex[n] = tokens.get(n).key();
        out.put("token_keys", Tensor.of(keyIndex, keyIndex.length));
        out.put("maps_latent", Tensor.of(latent, keys, lh, lw));
        for (Map.Entry<String, float[]> e : maps.layerMaps().entrySet()) {
            int[] s = maps.layerSize(e.getKey());
            out.put("layer." + e.getKey(), Tensor.of(e.getValue(), keys, s[0], s[1]));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("tokens", Json.write(tokens.stream().map(t -> t.text()).toList()));
        meta.put("layers", layersSpec == null ? "all" : layersSpec);
        meta.put("steps", stepsSpec == null ? "all" : stepsSpec);
        meta.put("method", "DAAM: softmax(q k^T / sqrt(d)) of the prompt's batch row, summed over heads, bilinear to the latent size, summed over layers and steps, bilinear to the image size");
        SafeTensorsWriter.write(dir.resolve("maps.safetensors"), out, meta, false);
        Files.writeString(dir.resolve("tokens.json"), Json.writePretty(tokenJson(tokens)));
        TextTable table = new TextTable(true, true, true, false, true);
        table.row("chunk", "index", "key", "token", "weight");
        for (PromptTokens.Token t : tokens)
            table.row("" + t.chunk(), "" + t.index(), "" + t.key(), t.text(), String.format(Locale.ROOT, "%.3f", t.weight()));
        err.print("attention maps of " + maps.calls() + " layer call(s) for these tokens:\n" + table.render("  "));
        err.println("wrote attention maps to " + dir);
    }

    public static List<Object> tokenJson(List<PromptTokens.Token> tokens) {
        List<Object> l = new ArrayList<>();
        for (PromptTokens.Token t : tokens) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("chunk", (long) t.chunk());
            m.put("index", (long) t.index());
            m.put("key", (long) t.key());
            m.put("id", (long) t.id());
            m.put("token", t.text());
            m.put("weight", t.weight());
            l.add(m);
        }
        return l;
    }

    /** The map scaled to 0..1 over its own range, in jet colours, blended half and half with the image. */
    private static BufferedImage overlay(BufferedImage base, float[] map) {
        float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
        for (float v : map) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        float range = hi > lo ? hi - lo : 1;
        int w = base.getWidth(), h = base.getHeight();
        BufferedImage o = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double v = (map[y * w + x] - lo) / range;
                int rgb = base.getRGB(x, y);
                int r = (int) (0.5 * ((rgb >> 16) & 0xff) + 0.5 * 255 * jet(v, 3));
                int g = (int) (0.5 * ((rgb >> 8) & 0xff) + 0.5 * 255 * jet(v, 2));
                int b = (int) (0.5 * (rgb & 0xff) + 0.5 * 255 * jet(v, 1));
                o.setRGB(x, y, r << 16 | g << 8 | b);
            }
        return o;
    }

    /** Matplotlib's "jet": red at 1, green in the middle, blue at 0 ({@code channel} 3, 2, 1). */
    private static double jet(double v, int channel) { return Math.max(0, Math.min(1, 1.5 - Math.abs(4 * v - channel))); }

    private static BufferedImage overview(BufferedImage base, List<BufferedImage> overlays, List<PromptTokens.Token> tokens) {
        int n = overlays.size() + 1, cols = Math.min(n, 6), rows = (n + cols - 1) / cols;
        double scale = Math.min(1, 256.0 / Math.max(base.getWidth(), base.getHeight()));
        int w = (int) Math.round(base.getWidth() * Math.max(scale, 128.0 / Math.max(base.getWidth(), base.getHeight())));
        int h = (int) Math.round(base.getHeight() * ((double) w / base.getWidth()));
        int label = 18, gap = 6;
        BufferedImage sheet = new BufferedImage(gap + cols * (w + gap), gap + rows * (h + label + gap), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int i = 0; i < n; i++) {
            int cx = gap + (i % cols) * (w + gap), cy = gap + (i / cols) * (h + label + gap);
            g.setColor(Color.DARK_GRAY);
            g.drawString(i == 0 ? "image" : tokens.get(i - 1).text() + "  (" + tokens.get(i - 1).chunk() + ":" + tokens.get(i - 1).index() + ")", cx, cy + 13);
            g.drawImage(i == 0 ? base : overlays.get(i - 1), cx, cy + label, w, h, null);
        }
        g.dispose();
        return sheet;
    }

    private static String safe(String token) {
        String s = token.replaceAll("[^\\p{L}\\p{N}_-]", "_");
        return s.length() > 24 ? s.substring(0, 24) : s.isEmpty() ? "_" : s;
    }
}
