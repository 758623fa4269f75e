package org.jgrad.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgrad.Autograd;
import org.jgrad.DType;
import org.jgrad.Device;
import org.jgrad.Scope;
import org.jgrad.Tensor;

/**
 * A model or part of one, as torch.nn.Module: parameters, buffers and submodules registered by
 * name in the constructor (no reflection), so that {@link #namedParameters()} gives PyTorch's
 * dotted names ("0.weight", "encoder.fc1.bias") in PyTorch's order (a module's own, in
 * registration order, before its submodules'), and the state dict is PyTorch's.
 *
 * <pre>{@code
 * final class Mlp extends Module {
 *     final Linear fc1 = registerModule("fc1", new Linear(784, 256));
 *     final Linear fc2 = registerModule("fc2", new Linear(256, 10));
 *     public Tensor forward(Tensor x) { return fc2.forward(fc1.forward(x).relu()); }
 * }
 * }</pre>
 *
 * A module owns what it registers: {@link #close()} frees its parameters, buffers and
 * submodules. {@link #to(Device)} and {@link #to(DType)} replace the parameters with converted
 * ones, so move a model before making its optimizer.
 */
public abstract class Module implements AutoCloseable {
    private final LinkedHashMap<String, Tensor> parameters = new LinkedHashMap<>();
    private final LinkedHashMap<String, Tensor> buffers = new LinkedHashMap<>();
    private final LinkedHashMap<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** The module's computation on one input. */
    public abstract Tensor forward(Tensor x);

    private static void checkName(String kind, String name, Map<String, ?> in) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("register" + kind + ": name \"" + name + "\" must be non-empty and contain no \".\"");
        }
        if (in.containsKey(name)) throw new IllegalArgumentException("register" + kind + ": \"" + name + "\" is already registered");
    }

    /**
     * Registers a parameter (a leaf tensor; it is made to require grad and is owned by this module,
     * not by any Scope). A null registers the name with no tensor, as PyTorch's None (a bias turned
     * off). Returns t.
     */
    protected final Tensor registerParameter(String name, Tensor t) {
        checkName("Parameter", name, parameters);
        if (buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("registerParameter: \"" + name + "\" is already a buffer or a submodule");
        }
        if (t != null) {
            if (!t.isLeaf() || !t.dtype().isFloatingPoint()) {
                throw new IllegalArgumentException("registerParameter: \"" + name + "\" must be a FLOAT32 or FLOAT64 leaf tensor, got "
                        + t.dtype() + (t.isLeaf() ? "" : " computed by " + t.gradFnName()));
            }
            Scope.untrack(t);
            if (!t.requiresGrad()) t.requiresGrad(true);
        }
        parameters.put(name, t);
        return t;
    }

    /** Registers a buffer: state saved with the model that is not trained (running statistics). Returns t. */
    protected final Tensor registerBuffer(String name, Tensor t) {
        checkName("Buffer", name, buffers);
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("registerBuffer: \"" + name + "\" is already a parameter or a submodule");
        }
        if (t != null) Scope.untrack(t);
        buffers.put(name, t);
        return t;
    }

    /** Registers a submodule. Returns m. */
    protected final <M extends Module> M registerModule(String name, M m) {
        checkName("Module", name, children);
        if (parameters.containsKey(name) || buffers.containsKey(name)) {
            throw new IllegalArgumentException("registerModule: \"" + name + "\" is already a parameter or a buffer");
        }
        if (m == null) throw new IllegalArgumentException("registerModule: \"" + name + "\" is null");
        children.put(name, m);
        return m;
    }

    /** Every parameter of this module and its submodules, each once, in {@link #namedParameters()}'s order. */
    public final List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Parameters by PyTorch's dotted names: this module's own in registration order, then each submodule's (a tensor shared by two modules appears once). */
    public final LinkedHashMap<String, Tensor> namedParameters() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        collect("", true, out, new IdentityHashMap<>());
        return out;
    }

    /** Every buffer of this module and its submodules. */
    public final List<Tensor> buffers() {
        return new ArrayList<>(namedBuffers().values());
    }

    /** Every buffer of this module and its descendants by dotted name, in registration order. */
    public final LinkedHashMap<String, Tensor> namedBuffers() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        collect("", false, out, new IdentityHashMap<>());
        return out;
    }

    private void collect(String prefix, boolean params, Map<String, Tensor> out, IdentityHashMap<Tensor, Boolean> seen) {
        for (Map.Entry<String, Tensor> e : (params ? parameters : buffers).entrySet()) {
            Tensor t = e.getValue();
            if (t != null && seen.put(t, Boolean.TRUE) == null) out.put(prefix + e.getKey(), t);
        }
        for (Map.Entry<String, Module> e : children.entrySet()) e.getValue().collect(prefix + e.getKey() + ".", params, out, seen);
    }

    /** The direct submodules, by name. */
    public final Map<String, Module> namedChildren() {
        return Collections.unmodifiableMap(children);
    }

    /** The direct submodules, in registration order. */
    public final List<Module> children() {
        return new ArrayList<>(children.values());
    }

    /** Sets training mode here and in every submodule (Dropout and BatchNorm behave differently in eval). Returns this. */
    public Module train(boolean on) {
        training = on;
        for (Module m : children.values()) m.train(on);
        return this;
    }

    /** Training mode, for this module and its descendants (dropout active, batch statistics); returns this. */
    public final Module train() {
        return train(true);
    }

    /** Evaluation mode, for this module and its descendants (dropout off, running statistics); returns this. */
    public final Module eval() {
        return train(false);
    }

    /** Whether this module is in training mode. */
    public final boolean isTraining() {
        return training;
    }

    /** Clears the gradients of every parameter. */
    public final void zeroGrad() {
        for (Tensor p : parameters()) p.zeroGrad();
    }

    /**
     * The parameters and buffers by dotted name (PyTorch's state_dict), as detached views of the
     * module's own tensors: they share its memory, so they change as it trains. The views are
     * the caller's, like any op's result (a Scope closes them; closing them leaves the module
     * as it is).
     */
    public final LinkedHashMap<String, Tensor> stateDict() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        stateInto("", out);
        return out;
    }

    private void stateInto(String prefix, Map<String, Tensor> out) {
        for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
            if (e.getValue() != null) out.put(prefix + e.getKey(), e.getValue().detach());
        }
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
            if (e.getValue() != null) out.put(prefix + e.getKey(), e.getValue().detach());
        }
        for (Map.Entry<String, Module> e : children.entrySet()) e.getValue().stateInto(prefix + e.getKey() + ".", out);
    }

    /**
     * Copies the values of a state dict into this module's parameters and buffers (converting
     * dtype and device). With strict, a key this module lacks or a key of it missing from the map
     * is an error; a shape that differs always is. Every problem is listed, and nothing is copied
     * unless there is none.
     */
    public final void loadStateDict(Map<String, Tensor> state, boolean strict) {
        LinkedHashMap<String, Tensor> own = new LinkedHashMap<>();
        namedTensors("", own);
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), mismatched = new ArrayList<>();
        for (String k : own.keySet()) if (!state.containsKey(k)) missing.add(k);
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            Tensor mine = own.get(e.getKey());
            if (mine == null) unexpected.add(e.getKey());
            else if (!java.util.Arrays.equals(mine.shape(), e.getValue().shape())) {
                mismatched.add(e.getKey() + ": checkpoint " + java.util.Arrays.toString(e.getValue().shape()) + ", model "
                        + java.util.Arrays.toString(mine.shape()));
            }
        }
        if (!mismatched.isEmpty() || (strict && !(missing.isEmpty() && unexpected.isEmpty()))) {
            StringBuilder sb = new StringBuilder("loadStateDict: error(s) in loading the state dict for " + getClass().getSimpleName() + ":");
            if (strict && !missing.isEmpty()) sb.append(" missing keys ").append(missing).append(';');
            if (strict && !unexpected.isEmpty()) sb.append(" unexpected keys ").append(unexpected).append(';');
            if (!mismatched.isEmpty()) sb.append(" size mismatch for ").append(String.join(", ", mismatched)).append(';');
            throw new IllegalArgumentException(sb.substring(0, sb.length() - 1));
        }
        try (var off = Autograd.noGrad()) {
            for (Map.Entry<String, Tensor> e : state.entrySet()) {
                Tensor mine = own.get(e.getKey());
                if (mine == null) continue;
                Tensor src = e.getValue();
                Tensor conv = src.device().equals(mine.device()) ? src : src.to(mine.device());
                Tensor typed = conv.dtype() == mine.dtype() ? conv : conv.to(mine.dtype());
                mine.copyInPlace(typed);
                if (typed != conv) typed.close();
                if (conv != src) conv.close();
            }
        }
    }

    /** Loads with strict key checking. */
    public final void loadStateDict(Map<String, Tensor> state) {
        loadStateDict(state, true);
    }

    private void namedTensors(String prefix, Map<String, Tensor> out) {
        for (Map.Entry<String, Tensor> e : parameters.entrySet()) if (e.getValue() != null) out.put(prefix + e.getKey(), e.getValue());
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) if (e.getValue() != null) out.put(prefix + e.getKey(), e.getValue());
        for (Map.Entry<String, Module> e : children.entrySet()) e.getValue().namedTensors(prefix + e.getKey() + ".", out);
    }

    /**
     * Writes {@link #stateDict()} to a safetensors file (see {@link org.jgrad.io.SafeTensors}), which
     * PyTorch reads with {@code model.load_state_dict(safetensors.torch.load_file(path))}.
     * {@code model.save(Path.of("mlp.safetensors"))}
     */
    public final void save(java.nio.file.Path file) throws java.io.IOException {
        try (org.jgrad.Scope scope = org.jgrad.Scope.open()) {
            org.jgrad.io.SafeTensors.save(stateDict(), file);
        }
    }

    /**
     * Loads a safetensors file into this module's parameters and buffers, strictly (see
     * {@link #loadStateDict(Map, boolean)}): a broken file, or one whose names or shapes do not match,
     * changes nothing.
     */
    public final void load(java.nio.file.Path file) throws java.io.IOException {
        try (org.jgrad.Scope scope = org.jgrad.Scope.open()) {
            loadStateDict(org.jgrad.io.SafeTensors.load(file), true);
        }
    }

    /** Moves every parameter and buffer to the device (new tensors; the old ones are freed). Returns this. */
    public Module to(Device device) {
        convert(t -> t.device().equals(device) ? null : t.to(device));
        return this;
    }

    /** Converts every floating parameter and buffer to the dtype (FLOAT32 or FLOAT64). Returns this. */
    public Module to(DType dtype) {
        if (!dtype.isFloatingPoint()) throw new IllegalArgumentException("Module.to: dtype " + dtype + " is not floating point; use FLOAT32 or FLOAT64");
        convert(t -> !t.dtype().isFloatingPoint() || t.dtype() == dtype ? null : t.to(dtype));
        return this;
    }

    private void convert(java.util.function.Function<Tensor, Tensor> f) {
        try (var off = Autograd.noGrad()) {
            IdentityHashMap<Tensor, Tensor> done = new IdentityHashMap<>();
            convertInto(f, done);
            for (Tensor old : done.keySet()) if (done.get(old) != old) old.close();
        }
    }

    private void convertInto(java.util.function.Function<Tensor, Tensor> f, IdentityHashMap<Tensor, Tensor> done) {
        for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
            Tensor t = e.getValue();
            if (t == null) continue;
            Tensor n = done.computeIfAbsent(t, k -> {
                Tensor c = f.apply(k);
                return c == null ? k : Scope.untrack(c).requiresGrad(true);
            });
            e.setValue(n);
        }
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
            Tensor t = e.getValue();
            if (t == null) continue;
            Tensor n = done.computeIfAbsent(t, k -> {
                Tensor c = f.apply(k);
                return c == null ? k : Scope.untrack(c);
            });
            e.setValue(n);
        }
        for (Module m : children.values()) m.convertInto(f, done);
    }

    /**
     * The parameter registered under this name here (not in submodules), or null. Layers read
     * their parameters through this rather than keeping fields, since {@link #to} replaces them.
     */
    protected final Tensor parameter(String name) {
        return parameters.get(name);
    }

    /** The buffer registered under this name here, or null. */
    protected final Tensor buffer(String name) {
        return buffers.get(name);
    }

    /** Frees every parameter, buffer and submodule. */
    @Override
    public void close() {
        for (Tensor t : parameters.values()) if (t != null) t.close();
        for (Tensor t : buffers.values()) if (t != null) t.close();
        for (Module m : children.values()) m.close();
    }

    /** What PyTorch's extra_repr gives: the settings shown between the parentheses ("" for none). */
    protected String extraRepr() {
        return "";
    }

    /** The module tree as PyTorch prints it. */
    @Override
    public String toString() {
        String head = getClass().getSimpleName() + "(" + extraRepr();
        if (children.isEmpty()) return head + ")";
        StringBuilder sb = new StringBuilder(head).append('\n');
        for (Map.Entry<String, Module> e : children.entrySet()) {
            sb.append("  (").append(e.getKey()).append("): ").append(e.getValue().toString().replace("\n", "\n  ")).append('\n');
        }
        return sb.append(')').toString();
    }
}
