package org.jgrad.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ExamplesTest {
    @Test
    void gradientDescentReachesTheLocalMinimum() {
        assertEquals(5.08699, SeedGradients.gradientDescent(), 1e-5);
    }

    @Test
    void linearRegressionRecoversTheLine() {
        double[] r = LinearRegression.fit(false);
        assertEquals(1.477, r[0], 0.03);
        assertEquals(0.089, r[1], 0.15);
        assertTrue(r[2] < 0.02, "loss " + r[2]);
    }

    @Test
    void himmelblauFindsAMinimum() {
        double[] r = Himmelblau.minimise(new double[] {0, 0});
        assertEquals(3.0, r[0], 1e-3);  // the minimum at (3, 2)
        assertEquals(2.0, r[1], 1e-3);
        assertTrue(r[2] < 1e-6);
    }

    @Test
    void mlpSeparatesTheBlobs() {
        assertTrue(MlpClassifier.train(false, org.jgrad.Device.CPU) > 0.9);
    }

    @Test
    void irisLogisticRegressionClassifiesTheHeldOutFlowers() {
        assertTrue(IrisLogistic.train(false) >= 0.9);
    }

    @Test
    void theMnistMlpReachesItsTarget() {
        double acc = MnistMlp.train(5, org.jgrad.Device.CPU, false);
        assertTrue(acc >= 0.975, "test accuracy " + acc);
    }

    @Test
    void partTwoAgreesWithTheFormulasWorkedByHand() {
        assertTrue(GradientsPart2.mseGradient() < 1e-14, "MSE gradient");
        assertTrue(GradientsPart2.softmaxJacobian() < 1e-15, "softmax Jacobian");
        assertEquals(1.0, GradientsPart2.perceptron(), 0.02, "a linearly separable rule is learnt");
        double[] chain = GradientsPart2.chainRule();
        assertTrue(chain[0] < 1e-12, "chain rule by hand: " + chain[0]);
        assertTrue(chain[1] < 1e-6, "finite differences: " + chain[1]);
    }

    @Test
    void theMnistCnnLearnsFromASubset() {
        // the full run (5 epochs on all 60 000 images) reaches 99.00 %; here one epoch on a third of them
        double acc = MnistCnn.train(1, 20000, org.jgrad.Device.CPU, false);
        assertTrue(acc >= 0.96, "test accuracy " + acc);
    }

    @Test
    void everyExampleRunsAndDrawsItsPictures() throws Exception {
        RunAll.main(new String[0]);
        // each picture a PNG of the size it was drawn at
        Object[][] expected = {{"descent", 800, 500}, {"activations", 2400, 500}, {"himmelblau", 800, 500}, {"mnist_mlp_training", 800, 500},
            {"mnist_cnn_training", 800, 500}, {"mnist_cnn_predictions", 840, 408}};
        for (Object[] e : expected) {
            java.nio.file.Path file = Pictures.dir().resolve(e[0] + ".png");
            byte[] head = java.util.Arrays.copyOf(java.nio.file.Files.readAllBytes(file), 8);
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, head, file + " is a PNG");
            java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(file.toFile());
            assertEquals(e[1], img.getWidth(), file + " width");
            assertEquals(e[2], img.getHeight(), file + " height");
        }
    }
}
