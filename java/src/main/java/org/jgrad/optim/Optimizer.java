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

        /** The learning rate. */
        public double lr() {
            return lr;
        }

        /** Sets the learning rate; returns these options. */
        public O lr(double v) {
            lr = v;
            return self();
        }

        /** One option: PyTorch's name, and how to read (booleans as 1 or 0) and set it. */
        record Option<O>(String name, java.util.function.ToDoubleFunction<O> get, java.util.function.ObjDoubleConsumer<O> set) {}

        static <O> Option<O> option(String name, java.util.function.ToDoubleFunction<O> get, java.util.function.ObjDoubleConsumer<O> set) {
            return new Option<>(name, get, set);
        }

        static <O> Option<O> flag(String name, java.util.function.Predicate<O> get, java.util.function.BiConsumer<O, Boolean> set) {
            return new Option<>(name, o -> get.test(o) ? 1 : 0, (o, v) -> set.accept(o, v != 0));
        }

        /** Every option of the optimizer, each once, in PyTorch's order (lr first). */
        abstract java.util.List<Option<O>> options();

        /** A new Options to copy into (the values a constructor needs already set). */
        abstract O fresh();

        /** An independent copy. */
        public O copy() {
            O c = fresh();
            for (Option<O> opt : options()) opt.set().accept(c, opt.get().applyAsDouble(self()));
            return c;
        }

        /** Throws IllegalArgumentException, naming the optimizer and the option, for a value PyTorch refuses. */
        abstract void check(String optimizer);

        /** Every option by PyTorch's name (booleans as 1 or 0), for the state dict. */
        final java.util.LinkedHashMap<String, Double> values() {
            java.util.LinkedHashMap<String, Double> m = new java.util.LinkedHashMap<>();
            for (Option<O> opt : options()) m.put(opt.name(), opt.get().applyAsDouble(self()));
            return m;
        }

        /** Sets the option named as in {@link #values()}. */
        final void set(String key, double value) {
            for (Option<O> opt : options()) {
                if (opt.name().equals(key)) {
                    opt.set().accept(self(), value);
                    return;
                }
            }
            throw new IllegalArgumentException("unknown option \"" + key + "\"");
        }

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

        /** The group's parameters. */
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

    /** The parameter groups, each with its own options, which may be changed between steps. */
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

    /** The names of the state buffers 0..2, as PyTorch's state dict calls them. */
    abstract String[] stateNames();

    /**
     * The optimizer's state as a flat map of tensors, ready for {@link org.jgrad.io.SafeTensors}:
     * {@code param_groups.G.OPTION} (0-dim FLOAT64, PyTorch's option names),
     * {@code param_groups.G.params} (the parameters' indices, counted over the groups in order),
     * {@code state.I.step} (0-dim INT64) and {@code state.I.BUFFER} (exp_avg, momentum_buffer, ...:
     * the buffers themselves, not copies). {@code SafeTensors.save(opt.stateDict(), path)}
     */
    public java.util.LinkedHashMap<String, Tensor> stateDict() {
        java.util.LinkedHashMap<String, Tensor> out = new java.util.LinkedHashMap<>();
        String[] names = stateNames();
        int index = 0;
        for (int g = 0; g < groups.size(); g++) {
            ParamGroup<O> group = groups.get(g);
            for (Map.Entry<String, Double> e : group.options.values().entrySet()) {
                out.put("param_groups." + g + "." + e.getKey(), org.jgrad.Scope.untrack(Tensor.full(e.getValue(), org.jgrad.DType.FLOAT64, org.jgrad.Device.CPU)));
            }
            if (!Double.isNaN(group.initialLr))
                out.put("param_groups." + g + ".initial_lr", org.jgrad.Scope.untrack(Tensor.full(group.initialLr, org.jgrad.DType.FLOAT64, org.jgrad.Device.CPU)));
            long[] ids = new long[group.params.size()];
            for (int k = 0; k < ids.length; k++) {
                ids[k] = index;
                State st = state.get(group.params.get(k));
                if (st != null) {
                    out.put("state." + index + ".step", org.jgrad.Scope.untrack(Tensor.full(st.step, org.jgrad.DType.INT64, org.jgrad.Device.CPU)));
                    for (int b = 0; b < st.buffers.length; b++) {
                        if (st.buffers[b] != null) out.put("state." + index + "." + names[b], st.buffers[b]);
                    }
                }
                index++;
            }
            out.put("param_groups." + g + ".params", org.jgrad.Scope.untrack(Tensor.of(ids, ids.length)));
        }
        return out;
    }

    /**
     * Restores a state dict from {@link #stateDict()} (this optimizer's kind, over parameters of the
     * same shapes in the same groups): the options of every group and every parameter's step and
     * buffers, copied to the parameters' device and dtype. Everything is checked first; on an error
     * the optimizer is unchanged.
     */
    public void loadStateDict(Map<String, Tensor> dict) {
        try (org.jgrad.Scope scope = org.jgrad.Scope.open()) {
            load(dict);
        }
    }

    private void load(Map<String, Tensor> dict) {
        String[] names = stateNames();
        List<String> problems = new ArrayList<>();
        List<Tensor> all = new ArrayList<>();
        for (ParamGroup<O> g : groups) all.addAll(g.params);
        List<O> newOptions = new ArrayList<>();
        double[] newInitial = new double[groups.size()];
        for (int g = 0; g < groups.size(); g++) {
            O o = groups.get(g).options.copy();
            for (String key : o.values().keySet()) {
                Tensor v = dict.get("param_groups." + g + "." + key);
                if (v == null) problems.add("missing param_groups." + g + "." + key);
                else o.set(key, v.to(org.jgrad.DType.FLOAT64).item());
            }
            Tensor init = dict.get("param_groups." + g + ".initial_lr");
            newInitial[g] = init == null ? Double.NaN : init.to(org.jgrad.DType.FLOAT64).item();
            try {
                o.check(name);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
            newOptions.add(o);
            Tensor ids = dict.get("param_groups." + g + ".params");
            if (ids == null || ids.numel() != groups.get(g).params.size())
                problems.add("param_groups." + g + " has " + (ids == null ? "no" : String.valueOf(ids.numel())) + " parameters; this optimizer's has "
                        + groups.get(g).params.size());
        }
        if (dict.containsKey("param_groups." + groups.size() + ".params"))
            problems.add("the state dict has more parameter groups than this optimizer's " + groups.size());
        Map<Integer, State> restored = new java.util.HashMap<>();
        Map<Integer, Tensor[]> sources = new java.util.HashMap<>();
        for (Map.Entry<String, Tensor> e : dict.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith("state.")) {
                if (!k.startsWith("param_groups.")) problems.add("unexpected key " + k);
                continue;
            }
            String[] parts = k.split("\\.", 3);
            int i;
            try {
                i = Integer.parseInt(parts[1]);
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException x) {
                problems.add("unexpected key " + k);
                continue;
            }
            if (parts.length < 3 || i < 0 || i >= all.size()) {
                problems.add("key " + k + " names no parameter (there are " + all.size() + ")");
                continue;
            }
            State st = restored.computeIfAbsent(i, x -> new State());
            Tensor[] src = sources.computeIfAbsent(i, x -> new Tensor[3]);
            if (parts[2].equals("step")) {
                st.step = (long) e.getValue().to(org.jgrad.DType.FLOAT64).item();
                continue;
            }
            int b = java.util.Arrays.asList(names).indexOf(parts[2]);
            if (b < 0) {
                problems.add("unexpected key " + k + " (" + name + " keeps " + String.join(", ", names) + ")");
                continue;
            }
            if (!java.util.Arrays.equals(e.getValue().shape(), all.get(i).shape()))
                problems.add(k + " has shape " + java.util.Arrays.toString(e.getValue().shape()) + ", its parameter " + java.util.Arrays.toString(all.get(i).shape()));
            src[b] = e.getValue();
        }
        if (!problems.isEmpty()) throw new IllegalArgumentException(name + ".loadStateDict: " + String.join("; ", problems));
        for (int g = 0; g < groups.size(); g++) {
            ParamGroup<O> group = groups.get(g);
            for (Map.Entry<String, Double> e : newOptions.get(g).values().entrySet()) group.options.set(e.getKey(), e.getValue());
            if (!Double.isNaN(newInitial[g])) group.initialLr = newInitial[g];
        }
        close();
        try (var off = org.jgrad.Autograd.noGrad()) {
            for (Map.Entry<Integer, State> e : restored.entrySet()) {
                Tensor p = all.get(e.getKey());
                State st = e.getValue();
                Tensor[] src = sources.get(e.getKey());
                for (int b = 0; b < 3; b++) {
                    if (src[b] == null) continue;
                    st.buffers[b] = Optimizers.state(p, 0);
                    st.buffers[b].copyInPlace(src[b].to(p.device()).to(p.dtype()));
                }
                state.put(p, st);
            }
        }
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
