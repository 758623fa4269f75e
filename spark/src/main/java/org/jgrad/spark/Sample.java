package org.jgrad.spark;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * One training example as it travels through Spark: its features, and a class index or a vector
 * of targets. The trainer stacks a rank's samples into a FLOAT32 {@code [n, features]} tensor
 * (reshaped by {@link SparkTrainer.Builder#featureShape}) and an INT64 {@code [n]} (classes) or
 * FLOAT32 {@code [n, targets]} tensor.
 * <pre>{@code JavaRDD<Sample> data = rows.map(r -> Sample.of(r.pixels(), r.digit()));}</pre>
 */
public final class Sample implements Serializable {
    private static final long serialVersionUID = 1L;

    private final float[] features;
    private final long label;
    private final float[] target;

    private Sample(float[] features, long label, float[] target) {
        this.features = Objects.requireNonNull(features, "features");
        this.label = label;
        this.target = target;
    }

    /** A sample of class {@code label} (for CrossEntropyLoss, NLLLoss). */
    public static Sample of(float[] features, long label) {
        if (label < 0) throw new IllegalArgumentException("Sample.of: a class label must be >= 0, got " + label);
        return new Sample(features, label, null);
    }

    /** A sample with real-valued targets (for MSELoss, L1Loss, BCELoss...). */
    public static Sample of(float[] features, float[] target) {
        return new Sample(features, -1, Objects.requireNonNull(target, "target"));
    }

    /** The features (not copied). */
    public float[] features() {
        return features;
    }

    /** Whether the target is a class index rather than a vector. */
    public boolean isClass() {
        return target == null;
    }

    /** The class index; -1 for a sample with a target vector. */
    public long label() {
        return label;
    }

    /** The target vector, or null for a class sample. */
    public float[] target() {
        return target;
    }

    @Override
    public String toString() {
        return "Sample(" + features.length + " features, " + (target == null ? "class " + label : "target " + Arrays.toString(target)) + ")";
    }
}
