package org.jgrad.distributed;

import org.jgrad.Scope;
import org.jgrad.Tensor;
import org.jgrad.nn.CrossEntropyLoss;
import org.jgrad.nn.Module;
import org.jgrad.optim.SGD;

/** The same SGD steps (lr 0.1, momentum 0.9, cross-entropy) on a model alone and wrapped in DistributedDataParallel. */
final class SideBySide {
    private SideBySide() {}

    static void train(Module plain, DistributedDataParallel ddp, Tensor x, Tensor y, int steps) {
        try (SGD a = new SGD(plain.parameters(), 0.1, 0.9); SGD b = new SGD(ddp.parameters(), 0.1, 0.9)) {
            CrossEntropyLoss loss = new CrossEntropyLoss();
            for (int step = 0; step < steps; step++) {
                try (Scope t = Scope.open()) {
                    a.zeroGrad();
                    loss.forward(plain.forward(x), y).backward();
                    a.step();
                    b.zeroGrad();
                    loss.forward(ddp.forward(x), y).backward();
                    b.step();
                }
            }
        }
    }
}
