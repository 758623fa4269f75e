package org.jgrad.examples;

/** Runs every example in order: the seed's gradient demos, then training, then MNIST. */
public final class RunAll {
    private RunAll() {}

    public static void main(String[] args) {
        SeedGradients.main(args);
        GradientsPart2.main(args);
        LinearRegression.main(args);
        Himmelblau.main(args);
        MlpClassifier.main(args);
        IrisLogistic.main(args);
        MnistMlp.main(new String[0]);
        MnistCnn.main(new String[0]);
    }
}
