package org.jgrad.optim;

import java.util.List;
import org.jgrad.Optimizers;
import org.jgrad.Tensor;

/**
 * Adagrad, as PyTorch's torch.optim.Adagrad: per step t, {@code g = ∇ + λ p},
 * {@code lr_t = lr / (1 + (t − 1) · lr_decay)}, {@code s = s + g²} (s starts at
 * initialAccumulatorValue), {@code p = p − lr_t g / (√s + ε)}. State buffer 0: the sum of squares.
 *
 * <pre>{@code
 * Adagrad opt = new Adagrad(model.parameters(), Adagrad.options(0.1).lrDecay(1e-4));
 * }</pre>
 */
public final class Adagrad extends Optimizer<Adagrad.Options> {
    /** Adagrad's hyperparameters, with PyTorch's defaults (eps 1e-10, everything else 0). */
    public static final class Options extends Optimizer.Options<Options> {
        private double lrDecay, weightDecay, initialAccumulatorValue, eps = 1e-10;
        private boolean maximize;

        private Options(double lr) {
            super(lr);
        }

        /** Learning-rate decay: step t uses lr / (1 + (t - 1) lrDecay) (default 0). */
        public Options lrDecay(double v) {
            lrDecay = v;
            return this;
        }

        /** L2 penalty added to the gradient (default 0). */
        public Options weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        /** Starting value of the squared-gradient sum (default 0). */
        public Options initialAccumulatorValue(double v) {
            initialAccumulatorValue = v;
            return this;
        }

        /** Added to the root of the sum (default 1e-10). */
        public Options eps(double v) {
            eps = v;
            return this;
        }

        /** Ascend instead of descend. */
        public Options maximize(boolean v) {
            maximize = v;
            return this;
        }

        private static final java.util.List<Option<Options>> OPTIONS = java.util.List.of(
                option("lr", o -> o.lr, (o, v) -> o.lr = v),
                option("lr_decay", o -> o.lrDecay, (o, v) -> o.lrDecay = v),
                option("weight_decay", o -> o.weightDecay, (o, v) -> o.weightDecay = v),
                option("initial_accumulator_value", o -> o.initialAccumulatorValue, (o, v) -> o.initialAccumulatorValue = v),
                option("eps", o -> o.eps, (o, v) -> o.eps = v),
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
            require(lrDecay >= 0, optimizer, "lr_decay value", lrDecay, ">= 0");
            require(weightDecay >= 0, optimizer, "weight_decay value", weightDecay, ">= 0");
            require(initialAccumulatorValue >= 0, optimizer, "initial_accumulator_value value", initialAccumulatorValue, ">= 0");
            require(eps >= 0, optimizer, "epsilon value", eps, ">= 0");
        }
    }

    /** Options with this learning rate and PyTorch's other defaults. */
    public static Options options(double lr) {
        return new Options(lr);
    }

    /** With lr 1e-2, PyTorch's default. */
    public Adagrad(List<Tensor> params) {
        this(params, options(1e-2));
    }

    /** One parameter group with these options. */
    public Adagrad(List<Tensor> params, Options options) {
        super("Adagrad", params, options);
    }

    @Override
    void update(Tensor p, Tensor grad, State st, Options o) {
        buffer(st, 0, p, o.initialAccumulatorValue);
        Optimizers.update(name(), Optimizers.ADAGRAD, p, grad, st.buffers, new double[] {o.lr, o.lrDecay, o.weightDecay, o.eps,
            o.maximize ? 1 : 0, st.step});
    }

    @Override
    String[] stateNames() {
        return new String[] {"sum"};
    }
}
