package org.jgrad;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void sigmoidBackward() {
        Tensor x = Tensor.of(new float[] {-1, 0, 2}).requiresGrad(true);
        Tensor y = x.sigmoid();
        System.out.println(y);
        y.sum().backward();
        System.out.println(x.grad());
        float[] g = x.grad().toFloatArray();
        double s = 1 / (1 + Math.exp(1));
        assertEquals(s * (1 - s), g[0], 1e-6);
        Tensor a = Tensor.randn(3, 4), b = Tensor.randn(4, 5);
        System.out.println(a.matmul(b));
        System.out.println(Tensor.linspace(-100, 100, 10).sigmoid());
    }
}
