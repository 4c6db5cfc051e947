package jdiffusion.tools.generate;

import jdiffusion.sd.image.ImageConversion;
import jdiffusion.sd.image.Png;
import jdiffusion.sd.pipeline.GenerationTrace;
import jdiffusion.sd.pipeline.LatentPreview;
import jdiffusion.sd.pipeline.Progress;
import jdiffusion.sd.pipeline.StableDiffusionModel;
import jdiffusion.tensor.Backend;
import jdiffusion.tensor.Tensor;
import jdiffusion.tools.CommandException;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code --save-steps DIR}: what the sampler holds at every step of the first image's run. Per step
 * {@code step-NN-latent.png} (the WebUI's cheap latent preview of x as the step starts, scaled as the model sees it,
 * at latent resolution) and
 * {@code step-NN-x0.png} (the VAE's decoding of the step's predicted clean latents, {@code denoised}); after the run
 * {@code contact-sheet.png} (every step's pair in a grid) and {@code steps.gif} (the x0 images as an animation).
 * A progress and trace of the run that passes everything on to the progress bar.
 */
final class StepImages implements Progress, GenerationTrace {
    /** Contact sheet cells are at most this many pixels on their longer side. */
    private static final int THUMB = 192;

    private final Progress inner;
    private final Path dir;
    private final StableDiffusionModel model;
    private final List<BufferedImage> latents = new ArrayList<>(), x0 = new ArrayList<>();
    private float[] sigmas;
    private float[] x;
    private boolean done;

    /** Refuses a folder that holds anything, so no earlier run's images are overwritten. */
    static Path checkFolder(Path dir) {
        if (Files.isRegularFile(dir)) throw new CommandException(dir + ": is a file; --save-steps takes a folder (new or empty)");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent())
                    throw new CommandException(dir + ": is not empty; --save-steps writes into a new or empty folder (jsd never overwrites)");
            } catch (IOException e) {
                throw new CommandException(dir + ": cannot list: " + e.getMessage(), e);
            }
        }
        return dir;
    }

    StepImages(Progress inner, Path dir, StableDiffusionModel model) {
        this.inner = inner;
        this.dir = dir;
        this.model = model;
    }

    @Override public void update(Phase phase, int done, int total) { inner.update(phase, done, total); }

    @Override public void note(String message) { inner.note(message); }

    @Override public boolean wantsLatents(int step) { return !done || inner.wantsLatents(step); }

    @Override public void sigmas(float[] sigmas) { if (!done) this.sigmas = sigmas.clone(); }

    @Override public void stepInput(int step, float[] x) { if (!done) this.x = x; }

    @Override public void finalLatents(float[] latents) { done = true; }

    @Override public void latents(int step, float[] denoised, int channels, int height, int width) {
        if (inner.wantsLatents(step)) inner.latents(step, denoised, channels, height, width);
        if (done) return;
        try {
            Files.createDirectories(dir);
            BufferedImage preview = image(LatentPreview.rgb(modelInput(step, x != null ? x : denoised), 0, channels, height, width), width, height);
            BufferedImage decoded = decode(denoised, channels, height, width);
            latents.add(preview);
            x0.add(decoded);
            String n = String.format(Locale.ROOT, "step-%02d", step);
            Files.write(dir.resolve(n + "-latent.png"), png(preview));
            Files.write(dir.resolve(n + "-x0.png"), png(decoded));
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write the step images: " + e.getMessage(), e);
        }
    }

    /**
     * x as the UNet sees it: k-diffusion's x carries noise of std sigma, which the model input scales by
     * {@code c_in = 1/sqrt(sigma^2 + 1)}; a timestep sampler's x is already at that scale.
     */
    private float[] modelInput(int step, float[] x) {
        if (sigmas == null || step - 1 >= sigmas.length) return x;
        float s = sigmas[step - 1], c = (float) (1 / Math.sqrt((double) s * s + 1));
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] * c;
        return out;
    }

    /** The first image's predicted clean latents through the VAE. */
    private BufferedImage decode(float[] denoised, int channels, int height, int width) {
        Backend b = model.backend();
        float[] one = java.util.Arrays.copyOf(denoised, channels * height * width);
        Tensor in = b.fromFloats(one, 1, channels, height, width);
        Tensor image = model.vae().decode(b, in);
        float[] chw = b.toFloatArray(image);
        int h = image.size(2), w = image.size(3);
        b.release(image);
        b.release(in);
        return image(ImageConversion.toRgbBytes(chw, 0, h, w), w, h);
    }

    /** The contact sheet and the animation, once the run is over; the number of steps recorded. */
    int finish() throws IOException {
        if (x0.isEmpty()) return 0;
        Files.write(dir.resolve("contact-sheet.png"), png(contactSheet()));
        List<BufferedImage> frames = new ArrayList<>();
        for (int i = 0; i < x0.size(); i++) frames.add(frame(i));
        try (OutputStream out = Files.newOutputStream(dir.resolve("steps.gif"))) {
            AnimatedGif.write(out, frames, 250, 2000);
        }
        return x0.size();
    }

    private String label(int i) {
        return sigmas != null && i < sigmas.length ? String.format(Locale.ROOT, "step %d  sigma %.3f", i + 1, sigmas[i]) : "step " + (i + 1);
    }

    /** Rows of steps, each cell the latent preview beside the decoded x0, labelled with the step and its sigma. */
    private BufferedImage contactSheet() {
        int n = x0.size();
        BufferedImage first = x0.getFirst();
        double scale = Math.min(1, (double) THUMB / Math.max(first.getWidth(), first.getHeight()));
        int w = Math.max(1, (int) Math.round(first.getWidth() * scale)), h = Math.max(1, (int) Math.round(first.getHeight() * scale));
        int label = 18, gap = 6, cellW = 2 * w + gap, cellH = h + label;
        int cols = Math.max(1, (int) Math.ceil(Math.sqrt(n / 2.0))), rows = (n + cols - 1) / cols;
        BufferedImage sheet = new BufferedImage(cols * (cellW + gap) + gap, rows * (cellH + gap) + gap, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int i = 0; i < n; i++) {
            int cx = gap + (i % cols) * (cellW + gap), cy = gap + (i / cols) * (cellH + gap);
            g.setColor(Color.DARK_GRAY);
            g.drawString(label(i), cx, cy + 13);
            // the latent preview is 1/8 of the image's size: scaled up by pixel repetition, so its pixels stay visible
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
            g.drawImage(latents.get(i), cx, cy + label, w, h, null);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(x0.get(i), cx + w + gap, cy + label, w, h, null);
        }
        g.dispose();
        return sheet;
    }

    /** One animation frame: the step's x0 with its label. */
    private BufferedImage frame(int i) {
        BufferedImage src = x0.get(i);
        BufferedImage f = new BufferedImage(src.getWidth(), src.getHeight() + 18, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = f.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, f.getWidth(), f.getHeight());
        g.drawImage(src, 0, 18, null);
        g.setColor(Color.DARK_GRAY);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(label(i), 3, 13);
        g.dispose();
        return f;
    }

    static BufferedImage image(byte[] rgb, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0, p = 0; y < height; y++)
            for (int x = 0; x < width; x++, p += 3)
                img.setRGB(x, y, (rgb[p] & 0xff) << 16 | (rgb[p + 1] & 0xff) << 8 | (rgb[p + 2] & 0xff));
        return img;
    }

    private static byte[] png(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0, p = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int v = img.getRGB(x, y);
                rgb[p++] = (byte) (v >> 16);
                rgb[p++] = (byte) (v >> 8);
                rgb[p++] = (byte) v;
            }
        return Png.encode(rgb, w, h, Map.of());
    }
}
