package org.jgrad.optim;

import java.util.ArrayList;
import java.util.List;
import org.jgrad.Optimizers;
import org.jgrad.Tensor;

/**
 * Stochastic gradient descent with optional momentum, as PyTorch's torch.optim.SGD: per step,
 * {@code g = ∇ + λ p} (weight decay λ), {@code b = g} on the first step else {@code b = μ b + (1 − τ) g},
 * {@code g = g + μ b} (Nesterov) or {@code g = b}, then {@code p = p − lr g}. Each parameter's step is
 * one fused native pass over parameter, gradient and momentum buffer.
 *
 * <pre>{@code
 * SGD opt = new SGD(model.parameters(), SGD.options(0.01).momentum(0.9).nesterov(true));
 * opt.zeroGrad(); loss.backward(); opt.step();
 * }</pre>
 */
public final class SGD implements AutoCloseable {
    /** SGD's hyperparameters, with PyTorch's defaults (momentum, dampening and weight decay 0). */
    public static final class Options {
        private double lr, momentum, dampening, weightDecay;
        private boolean nesterov, maximize;

        private Options(double lr) {
            this.lr = lr;
        }

        public Options lr(double v) {
            lr = v;
            return this;
        }

        public Options momentum(double v) {
            momentum = v;
            return this;
        }

        public Options dampening(double v) {
            dampening = v;
            return this;
        }

        public Options weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        public Options nesterov(boolean v) {
            nesterov = v;
            return this;
        }

        /** Ascend instead of descend. */
        public Options maximize(boolean v) {
            maximize = v;
            return this;
        }
    }

    /** Options with this learning rate and PyTorch's other defaults. */
    public static Options options(double lr) {
        return new Options(lr);
    }

    private final List<Tensor> params;
    private final Options o;
    private final List<Tensor> momentumBuffers = new ArrayList<>();

    public SGD(List<Tensor> params, double lr) {
        this(params, options(lr));
    }

    public SGD(List<Tensor> params, double lr, double momentum) {
        this(params, options(lr).momentum(momentum));
    }

    public SGD(List<Tensor> params, Options options) {
        Options c = new Options(options.lr).momentum(options.momentum).dampening(options.dampening).weightDecay(options.weightDecay)
                .nesterov(options.nesterov).maximize(options.maximize);
        if (!(c.lr >= 0)) throw new IllegalArgumentException("SGD: invalid learning rate " + c.lr + "; it must be >= 0");
        if (!(c.momentum >= 0)) throw new IllegalArgumentException("SGD: invalid momentum " + c.momentum + "; it must be >= 0");
        if (!(c.weightDecay >= 0)) throw new IllegalArgumentException("SGD: invalid weight decay " + c.weightDecay + "; it must be >= 0");
        if (c.nesterov && (c.momentum <= 0 || c.dampening != 0)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum requires a momentum > 0 and zero dampening, got momentum "
                    + c.momentum + ", dampening " + c.dampening);
        }
        this.o = c;
        this.params = Optimizers.checkParameters("SGD", params);
        for (int i = 0; i < this.params.size(); i++) momentumBuffers.add(null);
    }

    /** Updates every parameter that has a gradient. */
    public void step() {
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i), g = p.grad();
            if (g == null) continue;
            Tensor buf = momentumBuffers.get(i);
            boolean first = false;
            if (o.momentum != 0 && buf == null) {
                buf = Optimizers.state(p);  // the rule sets it to the gradient on this first step
                momentumBuffers.set(i, buf);
                first = true;
            }
            Optimizers.update("SGD", Optimizers.SGD, p, g, buf, null,
                    new double[] {o.lr, o.momentum, o.dampening, o.weightDecay, o.nesterov ? 1 : 0, o.maximize ? 1 : 0, first ? 1 : 0});
        }
    }

    /** Clears every parameter's gradient (sets it to none, as PyTorch does by default). */
    public void zeroGrad() {
        for (Tensor p : params) p.zeroGrad();
    }

    /** The momentum buffer of parameter i (in the order given), or null before its first step with momentum. */
    public Tensor momentumBuffer(int i) {
        return momentumBuffers.get(i);
    }

    @Override
    public void close() {
        for (Tensor v : momentumBuffers) if (v != null) v.close();
    }
}
