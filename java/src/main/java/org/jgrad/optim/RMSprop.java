package org.jgrad.optim;

import java.util.List;
import org.jgrad.Optimizers;
import org.jgrad.Tensor;

/**
 * RMSprop, as PyTorch's torch.optim.RMSprop: per step, {@code g = ∇ + λ p},
 * {@code s = α s + (1 − α) g²}; centered: {@code ḡ = α ḡ + (1 − α) g} and the denominator
 * {@code √(s − ḡ²) + ε}, else {@code √s + ε}; with momentum {@code b = μ b + g / denom},
 * {@code p = p − lr b}, else {@code p = p − lr g / denom}. State buffers: 0 square_avg,
 * 1 momentum_buffer (momentum > 0), 2 grad_avg (centered).
 *
 * <pre>{@code
 * RMSprop opt = new RMSprop(model.parameters(), RMSprop.options(1e-3).momentum(0.9).centered(true));
 * }</pre>
 */
public final class RMSprop extends Optimizer<RMSprop.Options> {
    /** RMSprop's hyperparameters, with PyTorch's defaults (alpha 0.99, eps 1e-8). */
    public static final class Options extends Optimizer.Options<Options> {
        private double alpha = 0.99, eps = 1e-8, weightDecay, momentum;
        private boolean centered, maximize;

        private Options(double lr) {
            super(lr);
        }

        /** Decay rate of the squared-gradient average (default 0.99). */
        public Options alpha(double v) {
            alpha = v;
            return this;
        }

        /** Added to the root of the average (default 1e-8). */
        public Options eps(double v) {
            eps = v;
            return this;
        }

        /** L2 penalty added to the gradient (default 0). */
        public Options weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        /** Momentum of the update (default 0). */
        public Options momentum(double v) {
            momentum = v;
            return this;
        }

        /** Divide by the estimated variance instead of the second moment (default false). */
        public Options centered(boolean v) {
            centered = v;
            return this;
        }

        /** Ascend instead of descend. */
        public Options maximize(boolean v) {
            maximize = v;
            return this;
        }

        private static final java.util.List<Option<Options>> OPTIONS = java.util.List.of(
                option("lr", o -> o.lr, (o, v) -> o.lr = v),
                option("alpha", o -> o.alpha, (o, v) -> o.alpha = v),
                option("eps", o -> o.eps, (o, v) -> o.eps = v),
                option("weight_decay", o -> o.weightDecay, (o, v) -> o.weightDecay = v),
                option("momentum", o -> o.momentum, (o, v) -> o.momentum = v),
                flag("centered", o -> o.centered, (o, v) -> o.centered = v),
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
            require(eps >= 0, optimizer, "epsilon value", eps, ">= 0");
            require(momentum >= 0, optimizer, "momentum value", momentum, ">= 0");
            require(weightDecay >= 0, optimizer, "weight_decay value", weightDecay, ">= 0");
            require(alpha >= 0, optimizer, "alpha value", alpha, ">= 0");
        }
    }

    /** Options with this learning rate and PyTorch's other defaults. */
    public static Options options(double lr) {
        return new Options(lr);
    }

    /** With lr 1e-2, PyTorch's default. */
    public RMSprop(List<Tensor> params) {
        this(params, options(1e-2));
    }

    /** One parameter group with these options. */
    public RMSprop(List<Tensor> params, Options options) {
        super("RMSprop", params, options);
    }

    @Override
    void update(Tensor p, Tensor grad, State st, Options o) {
        buffer(st, 0, p, 0);
        if (o.momentum > 0) buffer(st, 1, p, 0);
        if (o.centered) buffer(st, 2, p, 0);
        Optimizers.update(name(), Optimizers.RMSPROP, p, grad, st.buffers, new double[] {o.lr, o.alpha, o.eps, o.weightDecay, o.momentum,
            o.centered ? 1 : 0, o.maximize ? 1 : 0});
    }

    @Override
    String[] stateNames() {
        return new String[] {"square_avg", "momentum_buffer", "grad_avg"};
    }
}
