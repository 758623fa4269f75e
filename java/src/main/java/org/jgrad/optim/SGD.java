package org.jgrad.optim;

import java.util.ArrayList;
import java.util.List;
import org.jgrad.Autograd;
import org.jgrad.Scope;
import org.jgrad.Tensor;

/**
 * Stochastic gradient descent with optional momentum, as PyTorch's torch.optim.SGD:
 * {@code v = μ v + g; p -= lr v}.
 */
public final class SGD implements AutoCloseable {
    private final List<Tensor> params;
    private final double lr;
    private final double momentum;
    private final List<Tensor> velocity = new ArrayList<>();

    public SGD(List<Tensor> params, double lr) {
        this(params, lr, 0);
    }

    public SGD(List<Tensor> params, double lr, double momentum) {
        if (!(lr > 0)) throw new IllegalArgumentException("SGD: learning rate must be positive, got " + lr);
        if (momentum < 0) throw new IllegalArgumentException("SGD: momentum must be >= 0, got " + momentum);
        this.params = List.copyOf(params);
        this.lr = lr;
        this.momentum = momentum;
        for (int i = 0; i < this.params.size(); i++) velocity.add(null);
    }

    /** Updates every parameter that has a gradient. */
    public void step() {
        try (var off = Autograd.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i), g = p.grad();
                if (g == null) continue;
                Tensor d = g;
                if (momentum != 0) {
                    Tensor v = velocity.get(i);
                    if (v == null) {
                        v = Scope.untrack(g.mul(1.0));  // optimizer state outlives the caller's scope
                        velocity.set(i, v);
                    } else {
                        v.mulInPlace(momentum).addInPlace(g);
                    }
                    d = v;
                }
                Tensor upd = d.mul(lr);
                p.subInPlace(upd);
                upd.close();
            }
        }
    }

    /** Clears every parameter's gradient. */
    public void zeroGrad() {
        for (Tensor p : params) p.zeroGrad();
    }

    @Override
    public void close() {
        for (Tensor v : velocity) if (v != null) v.close();
    }
}
