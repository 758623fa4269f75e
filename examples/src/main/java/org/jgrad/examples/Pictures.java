package org.jgrad.examples;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The examples' pictures: PNG files drawn with XChart (headless), written under the folder named by
 * -Djgrad.pictures (default {@code pictures} in the working directory; the run-examples profile
 * uses examples/target/pictures). {@code Pictures.save(chart, "descent");}
 */
public final class Pictures {
    private Pictures() {}

    static {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    /** The folder pictures go to, made if missing. */
    public static Path dir() {
        Path d = Path.of(System.getProperty("jgrad.pictures", "pictures"));
        try {
            Files.createDirectories(d);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the pictures folder " + d.toAbsolutePath(), e);
        }
        return d;
    }

    /** An 800×500 line chart with a legend in the top right. */
    public static XYChart chart(String title, String xTitle, String yTitle) {
        XYChart c = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        c.getStyler().setMarkerSize(4);
        return c;
    }

    /** A series drawn as a line without markers. */
    public static XYSeries line(XYChart c, String name, double[] x, double[] y) {
        XYSeries s = c.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        return s;
    }

    /** A series drawn as dots only. */
    public static XYSeries dots(XYChart c, String name, double[] x, double[] y) {
        XYSeries s = c.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        return s;
    }

    /** Training loss (left axis) and test accuracy (right axis) per epoch, as name.png. */
    public static Path history(String title, List<Double> loss, List<Double> accuracy, String name) {
        XYChart c = chart(title, "epoch", "mean training loss");
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        double[] ep = new double[loss.size()], acc = new double[accuracy.size()];
        for (int i = 0; i < ep.length; i++) ep[i] = i + 1;
        for (int i = 0; i < acc.length; i++) acc[i] = 100 * accuracy.get(i);
        c.addSeries("training loss", ep, loss.stream().mapToDouble(Double::doubleValue).toArray());
        XYSeries a = c.addSeries("test accuracy %", ep, acc);
        a.setYAxisGroup(1);
        c.setYAxisGroupTitle(1, "test accuracy %");
        c.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        return save(c, name);
    }

    /** Writes the chart as name.png in {@link #dir()}; returns the file. */
    public static Path save(XYChart chart, String name) {
        return write(name, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }

    /** Writes charts side by side (one row) as name.png. */
    public static Path saveRow(List<XYChart> charts, String name) {
        return write(name, out -> BitmapEncoder.saveBitmap(charts, 1, charts.size(), out, BitmapEncoder.BitmapFormat.PNG));
    }

    /**
     * A grid of 28×28 grey images (pixels in [0, 1], row-major, image after image), each drawn 3×
     * with its caption under it, in green where {@code ok[i]} and red otherwise.
     */
    public static Path digits(float[] pixels, String[] captions, boolean[] ok, int cols, String name) {
        int n = captions.length, rows = (n + cols - 1) / cols, cell = 28 * 3, capH = 18;
        BufferedImage img = new BufferedImage(cols * cell, rows * (cell + capH), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        for (int i = 0; i < n; i++) {
            int x0 = (i % cols) * cell, y0 = (i / cols) * (cell + capH);
            for (int y = 0; y < 28; y++)
                for (int x = 0; x < 28; x++) {
                    int v = 255 - Math.round(255 * Math.max(0, Math.min(1, pixels[i * 784 + y * 28 + x])));
                    g.setColor(new Color(v, v, v));
                    g.fillRect(x0 + x * 3, y0 + y * 3, 3, 3);
                }
            g.setColor(ok[i] ? new Color(0, 120, 0) : new Color(200, 0, 0));
            g.drawString(captions[i], x0 + 6, y0 + cell + 14);
        }
        g.dispose();
        return write(name, out -> ImageIO.write(img, "png", out));
    }

    interface Writer {
        void to(java.io.OutputStream out) throws IOException;
    }

    private static Path write(String name, Writer w) {
        Path file = dir().resolve(name + ".png");
        try (var out = Files.newOutputStream(file)) {
            w.to(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file.toAbsolutePath(), e);
        }
        return file;
    }
}
