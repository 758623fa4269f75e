package org.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.data.DataLoader;
import org.jgrad.data.Datasets;
import org.jgrad.data.TensorDataset;
import org.jgrad.optim.AdamW;
import org.jgrad.optim.CosineAnnealingLR;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's training loop, as written there, on data it can learn (three Gaussian blobs). */
class TrainingLoopTest {
    @TempDir
    Path dir;

    @Test
    void theReadmeLoopTrainsValidatesAndSaves() throws IOException {
        Tensor.manualSeed(5);
        int n = 600, epochs = 4;
        Tensor labels = Scope.untrack(Tensor.rand(n).mul(3).to(DType.INT64));
        Tensor centres = Tensor.randn(3, 784).mul(0.5);
        Tensor images = Scope.untrack(centres.indexSelect(0, labels).add(Tensor.randn(n, 784)));
        double accuracy = 0;

        Tensor.manualSeed(0);
        var model = new Sequential(new Linear(784, 256), new ReLU(), new Dropout(0.1), new Linear(256, 10));
        var opt = new AdamW(model.parameters(), AdamW.options(1e-3));
        var sched = new CosineAnnealingLR(opt, epochs);
        var lossFn = new CrossEntropyLoss(CrossEntropyLoss.options().labelSmoothing(0.05));
        var parts = Datasets.randomSplit(new TensorDataset(images, labels), new double[] {0.9, 0.1}, 42);
        var train = DataLoader.builder(parts.get(0)).batchSize(64).shuffle(true).seed(1).prefetch(true).build();
        var valid = DataLoader.builder(parts.get(1)).batchSize(1000).build();

        for (int epoch = 0; epoch < epochs; epoch++) {
            model.train();
            for (Tensor[] batch : train) {
                try (Scope step = Scope.open()) {
                    Tensor loss = lossFn.forward(model.forward(batch[0]), batch[1]);
                    opt.zeroGrad();
                    loss.backward();
                    Utils.clipGradNorm(model.parameters(), 1.0);
                    opt.step();
                }
            }
            sched.step();
            model.eval();
            long correct = 0;
            try (var off = Autograd.noGrad()) {
                for (Tensor[] batch : valid) {
                    try (Scope s = Scope.open()) {
                        correct += (long) model.forward(batch[0]).argmax(1, false).eq(batch[1]).to(DType.INT64).sum().item();
                    }
                }
            }
            accuracy = correct / (double) parts.get(1).size();
            model.save(dir.resolve("model.safetensors"));
        }
        assertTrue(accuracy > 0.95, "validation accuracy " + accuracy);
        var again = new Sequential(new Linear(784, 256), new ReLU(), new Dropout(0.1), new Linear(256, 10));
        again.load(dir.resolve("model.safetensors"));
        try (Scope s = Scope.open()) {
            assertTrue(java.util.Arrays.equals(model.stateDict().get("3.bias").toFloatArray(), again.stateDict().get("3.bias").toFloatArray()));
        }
        train.close();
        opt.close();
        model.close();
        again.close();
        images.close();
        labels.close();
    }
}
