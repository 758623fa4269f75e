package org.jgrad;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The backward pass: walks the graph from the output in reverse topological order (Kahn's
 * algorithm over dependency counts, no recursion, so deep graphs cannot overflow the stack),
 * summing the gradients that reach each node before running its backward once.
 *
 * Every temporary made during the pass lives in one Scope that closes at the end; only the
 * gradients handed out (to {@code .grad} or returned by {@link Autograd#grad}) survive. The
 * outputs are kept reachable until the pass ends: a temporary loss ({@code f(x).backward()}) could
 * otherwise be collected mid-pass, and its Cleaner would release the graph being walked.
 *
 * A leaf's post-accumulate hooks run as soon as its gradient is final for the pass (its
 * accumulator node is ready only after every path into it has delivered), which is what lets
 * data-parallel training start reducing gradients while the rest of the backward runs; callbacks
 * queued during a pass run once it has finished, outside its scope.
 */
final class Engine {
    private Engine() {}

    /** The callbacks queued by each backward pass running on this thread, innermost last. */
    private static final ThreadLocal<ArrayDeque<List<Runnable>>> CALLBACKS = ThreadLocal.withInitial(ArrayDeque::new);

    static void queueCallback(Runnable callback) {
        List<Runnable> pass = CALLBACKS.get().peekLast();
        if (pass == null) {
            throw new IllegalStateException("Autograd.queueCallback: no backward pass is running on this thread; "
                    + "queue callbacks from a hook that runs during backward()");
        }
        pass.add(callback);
    }

    static void backward(Tensor root, Tensor gradient, boolean retainGraph, boolean createGraph) {
        run("backward", new Tensor[] {root}, new Tensor[] {gradient}, null, retainGraph, createGraph, false);
    }

    static Tensor[] grad(Tensor[] outputs, Tensor[] gradients, Tensor[] inputs, boolean retainGraph, boolean createGraph,
                         boolean allowUnused) {
        return run("grad", outputs, gradients, inputs, retainGraph, createGraph, allowUnused);
    }

    private static Tensor[] run(String op, Tensor[] roots, Tensor[] rootGrads, Tensor[] inputs, boolean retainGraph,
                                boolean createGraph, boolean allowUnused) {
        for (int i = 0; i < roots.length; i++) {
            Tensor r = roots[i];
            r.checkOpen();
            if (!r.requiresGrad) {
                throw new IllegalArgumentException(op + ": output " + i + " (shape " + Shapes.str(r.shape)
                        + ") does not require grad and has no grad_fn; call requiresGrad(true) on the inputs before computing it");
            }
            Tensor g = rootGrads[i];
            if (g == null && r.numel != 1) {
                throw new IllegalArgumentException(op + ": a gradient can be implied only for one-element outputs, got shape "
                        + Shapes.str(r.shape) + "; pass a gradient tensor of that shape");
            }
            if (g != null) {
                g.checkOpen();
                if (!Arrays.equals(g.shape, r.shape)) {
                    throw new IllegalArgumentException(op + ": gradient shape " + Shapes.str(g.shape)
                            + " does not match output shape " + Shapes.str(r.shape));
                }
                Kernels.sameDevice(op, r, g);
            }
        }
        IdentityHashMap<Node, Integer> captureIndex = new IdentityHashMap<>();
        Tensor[] results = inputs == null ? null : new Tensor[inputs.length];
        if (inputs != null) {
            for (int i = 0; i < inputs.length; i++) {
                Tensor in = inputs[i];
                in.checkOpen();
                if (!in.requiresGrad) {
                    throw new IllegalArgumentException(op + ": input " + i + " (shape " + Shapes.str(in.shape)
                            + ") does not require grad; only tensors with requiresGrad(true), or results computed from them, have gradients");
                }
                Node n = in.gradFn() != null ? in.gradFn() : accumulatorOf(in);
                captureIndex.put(n, i);
            }
        }

        boolean prevMode = GradMode.set(createGraph);
        ArrayDeque<List<Runnable>> passes = CALLBACKS.get();
        List<Runnable> callbacks = new ArrayList<>();
        passes.addLast(callbacks);
        boolean finished = false;
        Scope scope = Scope.open();
        IdentityHashMap<Tensor, Boolean> handedOut = new IdentityHashMap<>();
        try {
            Map<Node, Tensor> grads = new IdentityHashMap<>();
            ArrayDeque<Node> ready = new ArrayDeque<>();
            Node[] rootNodes = new Node[roots.length];
            for (int i = 0; i < roots.length; i++) {
                Tensor r = roots[i];
                Node n = r.gradFn() != null ? r.gradFn() : accumulatorOf(r);
                rootNodes[i] = n;
                Tensor g = rootGrads[i] != null ? rootGrads[i] : Tensor.onesLike(r);
                grads.merge(n, g, Engine::accumulate);
            }
            IdentityHashMap<Node, int[]> deps = dependencies(rootNodes);
            for (Node n : rootNodes) {
                if (deps.get(n)[0] == 0 && !ready.contains(n)) ready.add(n);
            }
            while (!ready.isEmpty()) {
                Node n = ready.poll();
                Tensor g = grads.remove(n);
                Integer cap = captureIndex.get(n);
                if (cap != null && g != null) results[cap] = handOut(g, scope, handedOut, true);
                if (n.isAccumulator()) {
                    if (inputs == null && g != null) accumulateIntoLeaf(n.leaf, g, scope, handedOut, createGraph);
                    continue;
                }
                Tensor[] gs = null;
                if (g != null) {
                    gs = n.apply(g);
                    if (!retainGraph) n.freeSaved();
                }
                for (int i = 0; i < n.next.length; i++) {
                    Node m = n.next[i];
                    if (m == null) continue;
                    Tensor gi = gs == null ? null : gs[i];
                    if (gi != null) grads.merge(m, gi, Engine::accumulate);
                    int[] d = deps.get(m);
                    if (--d[0] == 0) ready.add(m);
                }
            }
            if (results != null) {
                for (int i = 0; i < results.length; i++) {
                    if (results[i] == null && !allowUnused) {
                        throw new IllegalArgumentException(op + ": input " + i + " (shape " + Shapes.str(inputs[i].shape)
                                + ") was not used to compute the outputs; pass allowUnused=true to get null for it");
                    }
                }
            }
            finished = true;
            return results;
        } finally {
            scope.close();
            GradMode.set(prevMode);
            try {
                // a callback may queue another, which this loop then runs; none runs after a failed pass
                if (finished) for (int i = 0; i < callbacks.size(); i++) callbacks.get(i).run();
            } finally {
                passes.removeLast();
            }
            // the outputs hold the graph (their handles own a reference to their nodes): were they
            // collected during the pass, their Cleaners would release the graph under it
            java.lang.ref.Reference.reachabilityFence(roots);
            java.lang.ref.Reference.reachabilityFence(rootGrads);
            java.lang.ref.Reference.reachabilityFence(inputs);
        }
    }

    private static Node accumulatorOf(Tensor leaf) {
        if (leaf.accumulator == null) leaf.accumulator = Node.accumulator(leaf);
        return leaf.accumulator;
    }

    private static Tensor accumulate(Tensor a, Tensor b) {
        return a.add(b);
    }

    private static IdentityHashMap<Node, int[]> dependencies(Node[] roots) {
        IdentityHashMap<Node, int[]> deps = new IdentityHashMap<>();
        ArrayDeque<Node> stack = new ArrayDeque<>();
        for (Node r : roots) {
            if (!deps.containsKey(r)) {
                deps.put(r, new int[1]);
                stack.push(r);
            }
        }
        while (!stack.isEmpty()) {
            Node n = stack.pop();
            for (Node m : n.next) {
                if (m == null) continue;
                int[] d = deps.get(m);
                if (d == null) {
                    d = new int[1];
                    deps.put(m, d);
                    stack.push(m);
                }
                d[0]++;
            }
        }
        return deps;
    }

    /** A gradient leaving the engine: a distinct, dense handle that the pass's scope will not close. */
    private static Tensor handOut(Tensor g, Scope scope, IdentityHashMap<Tensor, Boolean> handedOut, boolean toUser) {
        Tensor h = g;
        if (!g.contiguous) h = g.contiguous();
        else if (g.owner != scope || handedOut.containsKey(g)) h = Views.alias(g);
        handedOut.put(h, Boolean.TRUE);
        if (toUser) scope.keep(h);
        else Scope.untrack(h);
        return h;
    }

    private static void accumulateIntoLeaf(Tensor leaf, Tensor g, Scope scope, IdentityHashMap<Tensor, Boolean> handedOut,
                                           boolean createGraph) {
        if (leaf.isClosed()) return;
        if (!createGraph && g.requiresGrad) g = g.detach();
        Tensor old = leaf.grad;
        if (old == null) {
            leaf.grad = handOut(g, scope, handedOut, false);
        } else {
            Tensor sum = old.add(g);
            leaf.grad = handOut(sum, scope, handedOut, false);
            old.close();
        }
        List<Consumer<Tensor>> hooks = leaf.postAccumulateHooks;
        if (hooks != null) for (Consumer<Tensor> h : hooks) h.accept(leaf);
    }
}
