package org.jgrad.optim;

import java.util.List;
import org.jgrad.Optimizers;
import org.jgrad.Tensor;

/**
 * Adam, as PyTorch's torch.optim.Adam: per step t, {@code g = ∇ + λ p} (weight decay λ, added to
 * the gradient; see {@link AdamW} for the decoupled form), {@code m = β₁ m + (1 − β₁) g},
 * {@code v = β₂ v + (1 − β₂) g²}, {@code v̂ = max(v̂, v)} with amsgrad, then
 * {@code p = p − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)}. State buffers: 0 exp_avg (m),
 * 1 exp_avg_sq (v), 2 max_exp_avg_sq (v̂, amsgrad only).
 *
 * <pre>{@code
 * Adam opt = new Adam(model.parameters(), Adam.options(1e-3).betas(0.9, 0.98).amsgrad(true));
 * }</pre>
 */
public final class Adam extends Optimizer<Adam.Options> {
    /** Adam's and AdamW's hyperparameters, with PyTorch's defaults (betas 0.9, 0.999; eps 1e-8). */
    public static final class Options extends Optimizer.Options<Options> {
        private double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay;
        private boolean amsgrad, maximize;

        private Options(double lr, double weightDecay) {
            super(lr);
            this.weightDecay = weightDecay;
        }

        /** Decay rates of the first and second moment estimates (default 0.9, 0.999). */
        public Options betas(double beta1, double beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        /** β₁ alone (what OneCycleLR cycles). */
        public Options beta1(double v) {
            beta1 = v;
            return this;
        }

        /** The first moment's decay rate. */
        public double beta1() {
            return beta1;
        }

        /** Added to the root of the second moment (default 1e-8). */
        public Options eps(double v) {
            eps = v;
            return this;
        }

        /** L2 penalty added to the gradient for Adam, decoupled decay for AdamW (default 0; AdamW 0.01). */
        public Options weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        /** Use the running maximum of the second moment (default false). */
        public Options amsgrad(boolean v) {
            amsgrad = v;
            return this;
        }

        /** Ascend instead of descend. */
        public Options maximize(boolean v) {
            maximize = v;
            return this;
        }

        private static final java.util.List<Option<Options>> OPTIONS = java.util.List.of(
                option("lr", o -> o.lr, (o, v) -> o.lr = v),
                option("beta1", o -> o.beta1, (o, v) -> o.beta1 = v),
                option("beta2", o -> o.beta2, (o, v) -> o.beta2 = v),
                option("eps", o -> o.eps, (o, v) -> o.eps = v),
                option("weight_decay", o -> o.weightDecay, (o, v) -> o.weightDecay = v),
                flag("amsgrad", o -> o.amsgrad, (o, v) -> o.amsgrad = v),
                flag("maximize", o -> o.maximize, (o, v) -> o.maximize = v));

        @Override
        java.util.List<Option<Options>> options() {
            return OPTIONS;
        }

        @Override
        Options fresh() {
            return new Options(lr, weightDecay);
        }

        @Override
        void check(String optimizer) {
            require(lr >= 0, optimizer, "learning rate", lr, ">= 0");
            require(eps >= 0, optimizer, "epsilon value", eps, ">= 0");
            require(beta1 >= 0 && beta1 < 1, optimizer, "beta parameter at index 0:", beta1, "in [0, 1)");
            require(beta2 >= 0 && beta2 < 1, optimizer, "beta parameter at index 1:", beta2, "in [0, 1)");
            require(weightDecay >= 0, optimizer, "weight_decay value", weightDecay, ">= 0");
        }

        /** One step of the fused rule (Optimizers.ADAM), decoupled (AdamW) or not. */
        void step(String optimizer, Tensor p, Tensor grad, State st, boolean decoupled) {
            buffer(st, 0, p, 0);
            buffer(st, 1, p, 0);
            if (amsgrad) buffer(st, 2, p, 0);
            Optimizers.update(optimizer, Optimizers.ADAM, p, grad, st.buffers, new double[] {lr, beta1, beta2, eps, weightDecay,
                amsgrad ? 1 : 0, maximize ? 1 : 0, decoupled ? 1 : 0, st.step});
        }
    }

    /** Options with this learning rate and PyTorch's other defaults (no weight decay). */
    public static Options options(double lr) {
        return new Options(lr, 0);
    }

    /** Options for {@link AdamW}: PyTorch's defaults there, weight decay 0.01. */
    static Options adamWOptions(double lr) {
        return new Options(lr, 1e-2);
    }

    /** With lr 1e-3, PyTorch's default. */
    public Adam(List<Tensor> params) {
        this(params, options(1e-3));
    }

    /** One parameter group with these options. */
    public Adam(List<Tensor> params, Options options) {
        super("Adam", params, options);
    }

    @Override
    void update(Tensor p, Tensor grad, State st, Options o) {
        o.step(name(), p, grad, st, false);
    }

    @Override
    String[] stateNames() {
        return new String[] {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
    }
}
