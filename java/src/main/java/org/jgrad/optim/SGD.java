package org.jgrad.optim;

import java.util.List;
import org.jgrad.Optimizers;
import org.jgrad.Tensor;

/**
 * Stochastic gradient descent with optional momentum, as PyTorch's torch.optim.SGD: per step,
 * {@code g = ∇ + λ p} (weight decay λ), {@code b = g} on the first step else {@code b = μ b + (1 − τ) g},
 * {@code g = g + μ b} (Nesterov) or {@code g = b}, then {@code p = p − lr g}. State buffer 0: the
 * momentum buffer (with momentum only).
 *
 * <pre>{@code
 * SGD opt = new SGD(model.parameters(), SGD.options(0.01).momentum(0.9).nesterov(true));
 * opt.zeroGrad(); loss.backward(); opt.step();
 * }</pre>
 */
public final class SGD extends Optimizer<SGD.Options> {
    /** SGD's hyperparameters, with PyTorch's defaults (momentum, dampening and weight decay 0). */
    public static final class Options extends Optimizer.Options<Options> {
        private double momentum, dampening, weightDecay;
        private boolean nesterov, maximize;

        private Options(double lr) {
            super(lr);
        }

        /** Momentum factor (default 0). */
        public Options momentum(double v) {
            momentum = v;
            return this;
        }

        /** Dampening of the momentum (default 0). */
        public Options dampening(double v) {
            dampening = v;
            return this;
        }

        /** L2 penalty added to the gradient (default 0). */
        public Options weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        /** Nesterov momentum (default false; needs momentum and no dampening). */
        public Options nesterov(boolean v) {
            nesterov = v;
            return this;
        }

        /** Ascend instead of descend. */
        public Options maximize(boolean v) {
            maximize = v;
            return this;
        }

        /** The momentum factor. */
        public double momentum() {
            return momentum;
        }

        private static final java.util.List<Option<Options>> OPTIONS = java.util.List.of(
                option("lr", o -> o.lr, (o, v) -> o.lr = v),
                option("momentum", o -> o.momentum, (o, v) -> o.momentum = v),
                option("dampening", o -> o.dampening, (o, v) -> o.dampening = v),
                option("weight_decay", o -> o.weightDecay, (o, v) -> o.weightDecay = v),
                flag("nesterov", o -> o.nesterov, (o, v) -> o.nesterov = v),
                flag("maximize", o -> o.maximize, (o, v) -> o.maximize = v));

        @Override
        java.util.List<Option<Options>> options() {
            return OPTIONS;
        }

        @Override
        Options fresh() {
            return new Options(lr);
        }

        @Override
        void check(String optimizer) {
            require(lr >= 0, optimizer, "learning rate", lr, ">= 0");
            require(momentum >= 0, optimizer, "momentum", momentum, ">= 0");
            require(weightDecay >= 0, optimizer, "weight decay", weightDecay, ">= 0");
            if (nesterov && (momentum <= 0 || dampening != 0)) {
                throw new IllegalArgumentException(optimizer + ": Nesterov momentum requires a momentum > 0 and zero dampening, got momentum "
                        + momentum + ", dampening " + dampening);
            }
        }
    }

    /** Options with this learning rate and PyTorch's other defaults. */
    public static Options options(double lr) {
        return new Options(lr);
    }

    /** Plain gradient descent with learning rate {@code lr}. */
    public SGD(List<Tensor> params, double lr) {
        this(params, options(lr));
    }

    /** Gradient descent with momentum. */
    public SGD(List<Tensor> params, double lr, double momentum) {
        this(params, options(lr).momentum(momentum));
    }

    /** One parameter group with these options. */
    public SGD(List<Tensor> params, Options options) {
        super("SGD", params, options);
    }

    @Override
    void update(Tensor p, Tensor grad, State st, Options o) {
        boolean first = false;
        if (o.momentum != 0 && st.buffers[0] == null) {
            buffer(st, 0, p, 0);  // the rule sets it to the gradient on this first step
            first = true;
        }
        Optimizers.update(name(), Optimizers.SGD, p, grad, st.buffers, new double[] {o.lr, o.momentum, o.dampening, o.weightDecay,
            o.nesterov ? 1 : 0, o.maximize ? 1 : 0, first ? 1 : 0});
    }

    /** The momentum buffer of parameter i of the first group, or null before its first step with momentum. */
    public Tensor momentumBuffer(int i) {
        return stateBuffer(paramGroups().get(0).params().get(i), 0);
    }

    @Override
    String[] stateNames() {
        return new String[] {"momentum_buffer"};
    }
}
