package org.jgrad;

import java.util.function.Supplier;

/**
 * Gradients without touching {@code .grad}, and switching recording off.
 *
 * <pre>{@code
 * Tensor[] g = Autograd.grad(loss, w, b);          // like torch.autograd.grad(loss, [w, b])
 * try (var off = Autograd.noGrad()) { w.subInPlace(g[0].mul(0.1)); }
 * }</pre>
 */
public final class Autograd {
    private Autograd() {}

    /** A guard that turns recording off for this thread until closed; close never throws. */
    public static final class Guard implements AutoCloseable {
        private final boolean prev;
        private boolean closed;

        private Guard(boolean prev) {
            this.prev = prev;
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            GradMode.set(prev);
        }
    }

    /** {@code try (var g = Autograd.noGrad()) { ... }}: ops inside record nothing. */
    public static Guard noGrad() {
        return new Guard(GradMode.set(false));
    }

    /** Turns recording back on inside a noGrad block, until closed. */
    public static Guard enableGrad() {
        return new Guard(GradMode.set(true));
    }

    /** True if ops on this thread record the graph. */
    public static boolean isGradEnabled() {
        return GradMode.enabled();
    }

    /** d(output)/d(inputs) for a one-element output; frees the graph. */
    public static Tensor[] grad(Tensor output, Tensor... inputs) {
        return Engine.grad(new Tensor[] {output}, new Tensor[] {null}, inputs, false, false, false);
    }

    /**
     * Full form: {@code gradOutput} may be null for a one-element output; {@code createGraph}
     * records the backward so the results can be differentiated again (it implies retainGraph
     * unless told otherwise).
     */
    public static Tensor[] grad(Tensor output, Tensor gradOutput, Tensor[] inputs, boolean retainGraph, boolean createGraph) {
        return Engine.grad(new Tensor[] {output}, new Tensor[] {gradOutput}, inputs, retainGraph || createGraph, createGraph, false);
    }

    /** As above, returning null for inputs that the output does not depend on when {@code allowUnused}. */
    public static Tensor[] grad(Tensor output, Tensor gradOutput, Tensor[] inputs, boolean retainGraph, boolean createGraph,
                                boolean allowUnused) {
        return Engine.grad(new Tensor[] {output}, new Tensor[] {gradOutput}, inputs, retainGraph || createGraph, createGraph,
                allowUnused);
    }

    /**
     * From a hook running during {@code backward()} (see {@link Tensor#registerPostAccumulateGradHook}),
     * queues {@code callback} to run on this thread once the pass has finished and every leaf's
     * gradient is in place, as PyTorch's {@code queue_callback}; callbacks run in the order
     * queued, and not at all if the pass fails. Throws IllegalStateException outside a pass.
     * <pre>{@code w.registerPostAccumulateGradHook(p -> Autograd.queueCallback(() -> System.out.println("done")));}</pre>
     */
    public static void queueCallback(Runnable callback) {
        java.util.Objects.requireNonNull(callback, "callback");
        Engine.queueCallback(callback);
    }

    /** Backward with every option: {@code retainGraph} keeps saved tensors, {@code createGraph} records the backward. */
    public static void backward(Tensor output, Tensor gradOutput, boolean retainGraph, boolean createGraph) {
        Engine.backward(output, gradOutput, retainGraph || createGraph, createGraph);
    }

    /**
     * What a gradient formula sees of its op (like the {@code ctx} of torch.autograd.Function's
     * backward): the tensors saved at forward time and which inputs need a gradient.
     */
    public interface Context {
        /**
         * Saved tensor {@code i}, in the order given at forward time. Throws IllegalStateException if
         * it was modified in place since, or if the graph was already freed by a backward.
         */
        Tensor saved(int i);

        /** How many tensors were saved. */
        int savedCount();

        /** Whether input {@code i} needs a gradient (like ctx.needs_input_grad[i]); where not, return null for it. */
        boolean needsInputGrad(int i);
    }

    /**
     * A gradient formula, the same shape for jgrad's own ops and custom ones: given the op's context
     * and d(loss)/d(output), return d(loss)/d(input i) for each input (null where not needed).
     *
     * <pre>{@code
     * Autograd.record(y, "CubeBackward", new Tensor[] {x}, new Tensor[] {x},
     *         (ctx, g) -> new Tensor[] {g.mul(ctx.saved(0).pow(2).mul(3))});
     * }</pre>
     */
    @FunctionalInterface
    public interface Backward {
        /** The gradients of the inputs (null for one that needs none) given the gradient of the output. */
        Tensor[] apply(Context ctx, Tensor gradOutput);
    }

    /**
     * Records {@code output} as the result of a custom op over {@code inputs}: when grad mode is
     * on and an input requires grad, backward will call {@code backward} with a context holding
     * {@code saved} (checked against in-place modification). Returns {@code output}.
     */
    public static Tensor record(Tensor output, String name, Tensor[] inputs, Tensor[] saved, Backward backward) {
        output.checkOpen();
        boolean any = false;
        for (Tensor t : inputs) any |= t.requiresGrad;
        if (!any || !GradMode.enabled()) return output;
        if (!output.dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("Autograd.record: output of " + name + " is " + output.dtype + "; only floating point outputs have gradients");
        }
        Node.record(output, name, (ctx, g) -> {
            Tensor[] gs = backward.apply(ctx, g);
            if (gs == null || gs.length != inputs.length) {
                throw new IllegalStateException(name + ": backward returned " + (gs == null ? "null" : gs.length + " gradients") + " for "
                        + inputs.length + " inputs");
            }
            for (int i = 0; i < gs.length; i++) if (!ctx.needsInputGrad(i)) gs[i] = null;
            return gs;
        }, inputs, saved);
        return output;
    }

    /**
     * The graph recorded behind {@code t} as Graphviz DOT text (like torchviz's make_dot): one box
     * per op with its grad_fn name, output shape and dtype, the leaves that get gradients, edges
     * from inputs to the ops that used them. {@code Files.writeString(path, Autograd.toDot(loss))}
     */
    public static String toDot(Tensor t) {
        return GraphDot.toDot(t, null);
    }

    /** As {@link #toDot(Tensor)}, naming the leaves found in {@code names} (e.g. a Module's namedParameters()). */
    public static String toDot(Tensor t, java.util.Map<String, Tensor> names) {
        return GraphDot.toDot(t, names);
    }

    /** Writes {@link #toDot(Tensor, java.util.Map)} to a file (names may be null); render it with {@code dot -Tpng file -o file.png}. */
    public static void writeDot(Tensor t, java.util.Map<String, Tensor> names, java.nio.file.Path file) throws java.io.IOException {
        java.nio.file.Files.writeString(file, GraphDot.toDot(t, names));
    }

    static <T> T withoutGrad(Supplier<T> body) {
        boolean prev = GradMode.set(false);
        try {
            return body.get();
        } finally {
            GradMode.set(prev);
        }
    }
}
