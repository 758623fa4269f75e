package org.jgrad.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jgrad.Optimizers;
import org.jgrad.Tensor;

/**
 * What every optimizer shares, as torch.optim.Optimizer: parameter groups, each with its own
 * options (a copy of the defaults unless given), per-parameter state made on its first step,
 * {@link #step()} and {@link #zeroGrad()}. A step is one fused native pass per parameter over the
 * parameter, its gradient and its state, in place; it allocates no tensor after the first.
 *
 * <pre>{@code
 * Adam opt = new Adam(model.parameters(), Adam.options(1e-3));
 * opt.addParamGroup(head.parameters(), Adam.options(1e-2));   // a group with its own options
 * }</pre>
 *
 * @param <O> the optimizer's options type
 */
public abstract class Optimizer<O extends Optimizer.Options<O>> implements AutoCloseable {
    /**
     * An optimizer's hyperparameters. The learning rate is common to all (a scheduler changes it);
     * each optimizer adds its own, with PyTorch's names and defaults and fluent setters.
     */
    public abstract static class Options<O extends Options<O>> {
        double lr;

        Options(double lr) {
            this.lr = lr;
        }

        public double lr() {
            return lr;
        }

        public O lr(double v) {
            lr = v;
            return self();
        }

        /** An independent copy. */
        public abstract O copy();

        /** Throws IllegalArgumentException, naming the optimizer and the option, for a value PyTorch refuses. */
        abstract void check(String optimizer);

        @SuppressWarnings("unchecked")
        final O self() {
            return (O) this;
        }

        static void require(boolean ok, String optimizer, String what, double value, String valid) {
            if (!ok) throw new IllegalArgumentException(optimizer + ": invalid " + what + " " + value + "; it must be " + valid);
        }
    }

    /** Parameters that share options. */
    public static final class ParamGroup<O extends Options<O>> {
        private final List<Tensor> params;
        private final O options;
        /** The learning rate the first scheduler found (PyTorch's initial_lr), NaN before one. */
        double initialLr = Double.NaN;

        ParamGroup(List<Tensor> params, O options) {
            this.params = params;
            this.options = options;
        }

        public List<Tensor> params() {
            return params;
        }

        /** This group's options; changing them (the learning rate, say) takes effect at the next step. */
        public O options() {
            return options;
        }
    }

    /** A parameter's state: its step count and the rule's buffers, made on its first step. */
    static final class State {
        long step;
        final Tensor[] buffers = new Tensor[3];
    }

    private final String name;
    private final O defaults;
    private final List<ParamGroup<O>> groups = new ArrayList<>();
    private final Map<Tensor, State> state = new IdentityHashMap<>();

    Optimizer(String name, List<Tensor> params, O defaults) {
        this.name = name;
        this.defaults = defaults.copy();
        this.defaults.check(name);
        addParamGroup(params, this.defaults);
    }

    /** Adds parameters with their own options (checked, and copied). A parameter may be in one group only. */
    public void addParamGroup(List<Tensor> params, O options) {
        O o = options.copy();
        o.check(name);
        List<Tensor> ps = Optimizers.checkParameters(name, params);
        for (ParamGroup<O> g : groups) {
            for (Tensor p : ps) {
                for (Tensor q : g.params) {
                    if (p == q) throw new IllegalArgumentException(name + ": some parameters appear in more than one parameter group");
                }
            }
        }
        groups.add(new ParamGroup<>(ps, o));
    }

    /** Adds parameters with a copy of the constructor's options. */
    public void addParamGroup(List<Tensor> params) {
        addParamGroup(params, defaults);
    }

    public List<ParamGroup<O>> paramGroups() {
        return Collections.unmodifiableList(groups);
    }

    /** Updates every parameter that has a gradient. */
    public void step() {
        for (ParamGroup<O> g : groups) {
            for (Tensor p : g.params) {
                Tensor grad = p.grad();
                if (grad == null) continue;
                State st = state.computeIfAbsent(p, k -> new State());
                st.step++;
                update(p, grad, st, g.options);
            }
        }
    }

    /** One step of the rule for p, whose state has already counted this step. */
    abstract void update(Tensor p, Tensor grad, State st, O o);

    /** Buffer i of st, made like p and filled with init if it does not exist yet. */
    static Tensor buffer(State st, int i, Tensor p, double init) {
        if (st.buffers[i] == null) st.buffers[i] = Optimizers.state(p, init);
        return st.buffers[i];
    }

    String name() {
        return name;
    }

    /** Clears every parameter's gradient (sets it to none, as PyTorch does by default). */
    public void zeroGrad() {
        for (ParamGroup<O> g : groups) {
            for (Tensor p : g.params) p.zeroGrad();
        }
    }

    /** How many steps p has taken (0 before its first). */
    public long stepCount(Tensor p) {
        State st = state.get(p);
        return st == null ? 0 : st.step;
    }

    /** State buffer i of p (the order each optimizer documents), or null if it has none (yet). */
    public Tensor stateBuffer(Tensor p, int i) {
        State st = state.get(p);
        return st == null ? null : st.buffers[i];
    }

    /** Frees the state buffers. */
    @Override
    public void close() {
        for (State st : state.values()) {
            for (Tensor b : st.buffers) if (b != null) b.close();
        }
        state.clear();
    }
}
