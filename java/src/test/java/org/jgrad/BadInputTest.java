package org.jgrad;

import static org.jgrad.testing.Expect.iae;
import static org.jgrad.testing.Expect.ise;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jgrad.nn.Functional;
import org.junit.jupiter.api.Test;

/** Every kind of bad input gets an exception that names the op and what was wrong; none crashes. */
class BadInputTest {



    @Test
    void shapesThatDoNotBroadcast() {
        Tensor a = Tensor.ones(2, 3), b = Tensor.ones(4);
        iae(() -> a.add(b), "add", "[2, 3]", "[4]", "broadcast");
        iae(() -> a.mul(Tensor.ones(3, 3)), "mul", "[2, 3]", "[3, 3]");
        iae(() -> Tensor.where(Tensor.ones(2).gt(0), a, b), "where");
    }

    @Test
    void shapeMismatches() {
        iae(() -> Tensor.ones(2, 3).matmul(Tensor.ones(2, 3)), "matmul", "[2, 3]", "(3)", "(2)");
        iae(() -> Tensor.ones(2, 3).reshape(4, 2), "reshape", "[4, 2]", "6 elements");
        iae(() -> Tensor.ones(2, 3).t().view(6), "view", "reshape");
        iae(() -> Tensor.cat(0, Tensor.ones(2, 3), Tensor.ones(2, 4)), "cat", "[2, 4]", "dim 0");
        iae(() -> Tensor.stack(0, Tensor.ones(2), Tensor.ones(3)), "stack", "[3]");
        iae(() -> Tensor.ones(2, 3).expand(4, 3), "expand", "[2, 3]");
        iae(() -> Functional.mseLoss(Tensor.ones(3), Tensor.ones(4)), "mseLoss", "[3]", "[4]");
        iae(() -> Tensor.ones(3).permute(0, 0), "permute");
    }

    @Test
    void dataLengthMustMatchShape() {
        iae(() -> Tensor.of(new float[] {1, 2, 3}, 2, 2), "Tensor.of", "3 elements", "[2, 2]");
        iae(() -> Tensor.zeros(2, -1), "full", "[2, -1]");
    }

    @Test
    void wrongDtypes() {
        Tensor logits = Tensor.randn(4, 3);
        iae(() -> Functional.crossEntropy(logits, Tensor.of(new float[] {0, 1, 2, 0})), "crossEntropy", "INT64", "FLOAT32");
        iae(() -> Tensor.of(new long[] {1, 2}).exp(), "exp", "INT64", "FLOAT32");
        iae(() -> Tensor.of(new long[] {1, 2}).requiresGrad(true), "requiresGrad", "INT64");
        iae(() -> Tensor.where(Tensor.ones(2), Tensor.ones(2), Tensor.ones(2)), "where", "BOOL");
        iae(() -> Tensor.ones(2, 2).matmul(Tensor.ones(DType.FLOAT64, 2, 2)), "matmul", "FLOAT32", "FLOAT64");
        iae(() -> Tensor.ones(3).gather(0, Tensor.zeros(3)), "gather", "INT64");
        iae(() -> Tensor.of(new long[] {1, 2}).mean(), "mean", "INT64");
        iae(() -> Tensor.ones(DType.INT64, 2).addInPlace(Tensor.ones(2)), "addInPlace", "INT64");
    }

    @Test
    void dimsAndIndicesOutOfRange() {
        Tensor x = Tensor.ones(2, 3);
        iae(() -> x.sum(2), "sum", "dim 2", "-2..1");
        iae(() -> x.softmax(-3), "softmax", "-3");
        iae(() -> x.transpose(0, 5), "transpose");
        iae(() -> x.unsqueeze(4), "unsqueeze");
        iae(() -> x.narrow(1, 2, 2), "narrow");
        iae(() -> x.select(0, 2), "select");
        iae(() -> x.size(3), "size");
        iae(() -> x.gather(1, Tensor.of(new long[] {0, 3}, 2, 1)), "gather", "index 3", "size 3");
        iae(() -> x.indexSelect(0, Tensor.of(new long[] {-3})), "index -3", "size 2");
        iae(() -> Functional.crossEntropy(Tensor.randn(2, 3), Tensor.of(new long[] {0, 3})), "crossEntropy", "target 3", "3 classes");
        iae(() -> Functional.binaryCrossEntropy(Tensor.of(new float[] {1.5f}), Tensor.of(new float[] {1})), "binaryCrossEntropy", "[0, 1]");
        iae(() -> Tensor.ones(0).max(), "max", "non-empty");
    }

    @Test
    void backwardMisuse() {
        Tensor x = Tensor.ones(3).requiresGrad(true);
        iae(() -> x.mul(2).backward(), "backward", "one-element", "[3]");
        iae(() -> x.mul(2).backward(Tensor.ones(4)), "gradient shape [4]", "[3]");
        iae(() -> Tensor.ones(3).sum().backward(), "does not require grad");
        iae(() -> Autograd.grad(x.sum(), Tensor.ones(3)), "grad", "does not require grad");
        Tensor y = x.sigmoid().sum();
        y.backward();
        ise(y::backward, "Backward0", "second time", "retainGraph");
        iae(() -> x.mul(2).requiresGrad(false), "requiresGrad", "leaf");
    }

    @Test
    void closedTensors() {
        Tensor x = Tensor.ones(3);
        x.close();
        ise(x::exp, "closed");
        ise(() -> x.add(Tensor.ones(3)), "closed");
        ise(x::toFloatArray, "closed");
        ise(x::item, "closed");
        x.close();  // twice is harmless
        assertTrue(x.toString().contains("closed"));
    }

    @Test
    void devicesThatAreNotAvailable() {
        if (!Cuda.isAvailable()) {
            iae(() -> Tensor.ones(2).to(Device.CUDA), "to", "cuda:0", "not available", "valid devices: cpu");
        }
        iae(() -> Tensor.zeros(DType.FLOAT32, Device.cuda(Cuda.deviceCount() + 1), 2), "cuda:" + (Cuda.deviceCount() + 1), "not available");
        iae(() -> Device.cuda(-1), "index");
    }

    @Test
    void nanAndInfinityPassThrough() {
        Tensor x = Tensor.of(new float[] {Float.NaN, Float.POSITIVE_INFINITY, -1, 0});
        float[] lg = x.log().toFloatArray();
        assertTrue(Float.isNaN(lg[0]) && lg[1] == Float.POSITIVE_INFINITY && Float.isNaN(lg[2]) && lg[3] == Float.NEGATIVE_INFINITY);
        assertTrue(Float.isNaN(x.max().toFloatArray()[0]));
        assertTrue(Float.isNaN(x.sum().toFloatArray()[0]));
        float[] d = Tensor.ones(2).div(Tensor.zeros(2)).toFloatArray();
        assertTrue(d[0] == Float.POSITIVE_INFINITY);
        assertTrue(Float.isNaN(x.relu().toFloatArray()[0]));
    }
}
