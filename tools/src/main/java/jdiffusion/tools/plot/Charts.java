package jdiffusion.tools.plot;

import jdiffusion.tools.CommandException;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The charts jsd draws (with XChart), written as PNG files. Runs headless. */
public final class Charts {
    private Charts() {}

    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** One line of a line chart: its name and points. */
    public record Line(String name, double[] x, double[] y) {}

    /** Lines over a shared x axis, with points marked (a schedule has few enough steps to see each one). */
    public static XYChart lineChart(String title, String xTitle, String yTitle, List<Line> lines, boolean logY) {
        XYChart chart = new XYChartBuilder().width(800).height(560).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setXAxisDecimalPattern("0");
        for (Line l : lines) {
            XYSeries s = chart.addSeries(l.name(), l.x(), l.y());
            s.setMarker(l.x().length <= 60 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        }
        return chart;
    }

    /** Charts drawn next to each other into one PNG. */
    public static void sideBySide(Path png, List<? extends Chart<?, ?>> charts) {
        List<java.awt.image.BufferedImage> images = charts.stream().map(BitmapEncoder::getBufferedImage).toList();
        int w = images.stream().mapToInt(java.awt.image.BufferedImage::getWidth).sum();
        int h = images.stream().mapToInt(java.awt.image.BufferedImage::getHeight).max().orElse(1);
        java.awt.image.BufferedImage out = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = out.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, w, h);
        int x = 0;
        for (java.awt.image.BufferedImage i : images) {
            g.drawImage(i, x, 0, null);
            x += i.getWidth();
        }
        g.dispose();
        writeImage(out, png);
    }

    /** A histogram of {@code counts} in equal bins over {@code [lo, hi]}, drawn as a filled step line. */
    public static void histogram(Path png, String title, String xTitle, double lo, double hi, long[] counts) {
        // log scale so the tails (norm weights near 1, rare outliers) show beside the peak; +1 keeps empty bins on it
        XYChart chart = new XYChartBuilder().width(800).height(480).title(title).xAxisTitle(xTitle).yAxisTitle("log10(count + 1)").build();
        style(chart.getStyler());
        chart.getStyler().setMarkerSize(0);
        chart.getStyler().setXAxisDecimalPattern("0.###");
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.StepArea);
        int n = counts.length;
        double[] x = new double[n + 1], y = new double[n + 1];
        double width = (hi - lo) / n;
        for (int i = 0; i <= n; i++) {
            x[i] = lo + i * (width == 0 ? 1 : width);
            y[i] = Math.log10(counts[Math.min(i, n - 1)] + 1);
        }
        chart.addSeries("values", x, y).setMarker(SeriesMarkers.NONE);
        write(chart, png);
    }

    /** Vertical bars, one per label, several series side by side (one colour each). */
    public static void bars(Path png, String title, String yTitle, List<String> labels, Map<String, List<Double>> series) {
        int width = Math.max(800, Math.min(2400, 120 + labels.size() * 28 * Math.max(1, series.size())));
        CategoryChart chart = new CategoryChartBuilder().width(width).height(560).title(title).yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setXAxisLabelRotation(60);
        chart.getStyler().setLegendVisible(series.size() > 1);
        chart.getStyler().setOverlapped(false);
        series.forEach((name, values) -> chart.addSeries(name, labels, values));
        write(chart, png);
    }

    private static void style(Styler s) {
        s.setChartBackgroundColor(java.awt.Color.WHITE);
        s.setAntiAlias(true);
        s.setChartTitleFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.BOLD, 16));
    }

    private static void write(Chart<?, ?> chart, Path png) { writeImage(BitmapEncoder.getBufferedImage(chart), png); }

    private static void writeImage(java.awt.image.BufferedImage image, Path png) {
        try {
            Path parent = png.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            if (!ImageIO.write(image, "png", png.toFile())) throw new IOException("no PNG writer");
        } catch (IOException e) {
            throw new CommandException(png + ": cannot write the chart: " + e.getMessage(), e);
        }
    }
}
