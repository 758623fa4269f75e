package org.jgrad.examples;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;

/**
 * The MNIST digits (LeCun, Cortes and Burges; CC BY-SA 3.0), read from the four original IDX
 * files that the {@code io.github.padreati:rapaio-datasets} jar carries as classpath resources.
 *
 * <p>IDX: a big-endian magic number whose low byte is the number of dims (0x00000801 labels,
 * 0x00000803 images), the size of each dim as a 32-bit big-endian int, then the unsigned bytes.
 */
public final class Mnist {
    private static final String ROOT = "rapaio/provider/datasets/mnist/";

    /** Pixels of {@link #count} images, row-major [count, 28·28], scaled to [0, 1]. */
    public final float[] images;
    /** The digit of each image, 0..9. */
    public final long[] labels;
    public final int count;
    public final int rows;
    public final int cols;

    private Mnist(float[] images, long[] labels, int rows, int cols) {
        this.images = images;
        this.labels = labels;
        this.count = labels.length;
        this.rows = rows;
        this.cols = cols;
    }

    /** The 60 000 training images. */
    public static Mnist train() {
        return load("train");
    }

    /** The 10 000 test images. */
    public static Mnist test() {
        return load("t10k");
    }

    private static Mnist load(String split) {
        try (DataInputStream img = open(split + "-images-idx3-ubyte.gz"); DataInputStream lab = open(split + "-labels-idx1-ubyte.gz")) {
            expectMagic(img, 0x0803, split + " images");
            int n = img.readInt(), rows = img.readInt(), cols = img.readInt();
            expectMagic(lab, 0x0801, split + " labels");
            int nl = lab.readInt();
            if (nl != n) throw new IllegalStateException("MNIST " + split + ": " + n + " images but " + nl + " labels");
            byte[] pixels = new byte[Math.multiplyExact(Math.multiplyExact(n, rows), cols)];
            img.readFully(pixels);
            byte[] digits = new byte[n];
            lab.readFully(digits);
            float[] images = new float[pixels.length];
            for (int i = 0; i < pixels.length; i++) images[i] = (pixels[i] & 0xff) / 255f;
            long[] labels = new long[n];
            for (int i = 0; i < n; i++) labels[i] = digits[i];
            return new Mnist(images, labels, rows, cols);
        } catch (IOException e) {
            throw new UncheckedIOException("MNIST " + split + ": cannot read the IDX files", e);
        }
    }

    private static DataInputStream open(String name) throws IOException {
        InputStream in = Mnist.class.getClassLoader().getResourceAsStream(ROOT + name);
        if (in == null) {
            throw new IllegalStateException("MNIST: classpath resource " + ROOT + name
                    + " not found; add io.github.padreati:rapaio-datasets:8.1.0 to the classpath");
        }
        return new DataInputStream(new GZIPInputStream(in, 1 << 16));
    }

    private static void expectMagic(DataInputStream in, int magic, String what) throws IOException {
        int m = in.readInt();
        if (m != magic) throw new IllegalStateException("MNIST " + what + ": IDX magic " + Integer.toHexString(m) + ", expected " + Integer.toHexString(magic));
    }
}
