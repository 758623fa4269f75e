package org.jgrad.optim;

import java.util.List;
import org.jgrad.Tensor;

/**
 * AdamW, as PyTorch's torch.optim.AdamW: Adam with decoupled weight decay, {@code p = p (1 − lr λ)}
 * before the moment updates instead of adding {@code λ p} to the gradient; weight decay 0.01 by
 * default. The options and state buffers are {@link Adam}'s.
 *
 * <pre>{@code
 * AdamW opt = new AdamW(model.parameters(), AdamW.options(3e-4).weightDecay(0.1));
 * }</pre>
 */
public final class AdamW extends Optimizer<Adam.Options> {
    /** Options with this learning rate and PyTorch's other defaults (weight decay 0.01). */
    public static Adam.Options options(double lr) {
        return Adam.adamWOptions(lr);
    }

    /** With lr 1e-3, PyTorch's default. */
    public AdamW(List<Tensor> params) {
        this(params, options(1e-3));
    }

    /** One parameter group with these options; weight decay is decoupled from the gradient. */
    public AdamW(List<Tensor> params, Adam.Options options) {
        super("AdamW", params, options);
    }

    @Override
    void update(Tensor p, Tensor grad, State st, Adam.Options o) {
        o.step(name(), p, grad, st, true);
    }

    @Override
    String[] stateNames() {
        return new String[] {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
    }
}
