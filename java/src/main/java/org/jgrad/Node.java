package org.jgrad;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A recorded op in the autograd graph (PyTorch's grad_fn): the edges to its inputs' nodes, the
 * tensors its backward needs, and the backward itself. A node is reference-counted by the tensors
 * it produced and the nodes that consume them, so closing a graph's tensors frees what it saved.
 * An accumulator node stands for a leaf tensor and receives its gradient.
 */
final class Node implements Autograd.Context {
    private final String name;
    final Node[] next;
    private final Autograd.Backward fn;
    final Tensor leaf;
    private Tensor[] saved;
    private int[] versions;
    private Storage[] savedStorages;
    private boolean[] savedIsOutput;
    private volatile boolean freed;
    private final AtomicInteger refs = new AtomicInteger(1);
    // the output's shape and dtype, for Autograd.toDot (null for an accumulator, whose leaf has them)
    long[] outShape;
    DType outDtype;

    private Node(String name, Node[] next, Autograd.Backward fn, Tensor leaf) {
        this.name = name;
        this.next = next;
        this.fn = fn;
        this.leaf = leaf;
    }

    static Node accumulator(Tensor leaf) {
        return new Node("AccumulateGrad", new Node[0], null, leaf);
    }

    /** Records an op whose output is {@code out}; inputs that do not require grad get no edge. */
    static void record(Tensor out, String name, Autograd.Backward fn, Tensor[] inputs, Tensor... toSave) {
        Node[] next = new Node[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            Tensor in = inputs[i];
            if (in == null || !in.requiresGrad) continue;
            Node fnIn = in.gradFn();
            if (fnIn != null) {
                fnIn.refs.incrementAndGet();
                next[i] = fnIn;
            } else {
                if (in.accumulator == null) in.accumulator = accumulator(in);
                next[i] = in.accumulator;
            }
        }
        Node node = new Node(name, next, fn, null);
        node.outShape = out.shape;
        node.outDtype = out.dtype;
        if (toSave.length > 0) {
            node.saved = new Tensor[toSave.length];
            node.versions = new int[toSave.length];
            node.savedStorages = new Storage[toSave.length];
            node.savedIsOutput = new boolean[toSave.length];
            for (int i = 0; i < toSave.length; i++) {
                Tensor t = toSave[i];
                Tensor alias = t.view(t.shape, t.strides, t.offset);
                Scope.untrack(alias);
                if (t == out) {
                    // linking the output's own node here would be a cycle; see saved()
                    node.savedIsOutput[i] = true;
                } else if (t.requiresGrad) {
                    // keep the graph behind an input, so a recorded backward (createGraph) can differentiate through it
                    alias.requiresGrad = true;
                    Node fnIn = t.gradFn();
                    if (fnIn != null) {
                        fnIn.refs.incrementAndGet();
                        alias.setGradFn(fnIn);
                    } else {
                        if (t.accumulator == null) t.accumulator = accumulator(t);
                        alias.accumulator = t.accumulator;
                    }
                }
                node.saved[i] = alias;
                node.versions[i] = t.storage.version;
                node.savedStorages[i] = t.storage;
            }
        }
        out.requiresGrad = true;
        out.setGradFn(node);
        // an input's handle holds its node's reference until here, where this node holds its own:
        // collected earlier, its Cleaner could release the node before the increment above
        java.lang.ref.Reference.reachabilityFence(inputs);
        java.lang.ref.Reference.reachabilityFence(toSave);
    }

    String name() {
        return name;
    }

    boolean isAccumulator() {
        return leaf != null;
    }

    @Override
    public boolean needsInputGrad(int input) {
        return next[input] != null;
    }

    @Override
    public int savedCount() {
        return saved == null ? 0 : saved.length;
    }

    /** Saved tensor i, checked against in-place modification and against a freed graph. */
    @Override
    public Tensor saved(int i) {
        if (freed) {
            throw new IllegalStateException(name + ": trying to backward through the graph a second time (or directly access "
                    + "saved tensors after they have been freed); saved tensors are freed after backward; pass retainGraph=true "
                    + "to the first backward if you need to backward twice");
        }
        Tensor t = saved[i];
        int now = savedStorages[i].version;
        if (now != versions[i]) {
            throw new IllegalStateException(name + ": one of the tensors needed for gradient computation (shape "
                    + Shapes.str(t.shape) + ", " + t.dtype + ") has been modified by an in-place operation: it is at version "
                    + now + "; expected version " + versions[i] + "; compute it out of place or modify a copy");
        }
        if (savedIsOutput[i] && GradMode.enabled()) {
            // a recorded backward that uses this node's own output: link it to this node for as long as
            // the handle lives (the backward pass's scope closes it)
            Tensor linked = t.view(t.shape, t.strides, t.offset);
            linked.requiresGrad = true;
            refs.incrementAndGet();
            linked.setGradFn(this);
            return linked;
        }
        return t;
    }

    Tensor[] apply(Tensor grad) {
        if (freed) saved(0);  // throws the "second backward" error
        return fn.apply(this, grad);
    }

    /** Frees the saved tensors after a backward that did not retain the graph. */
    void freeSaved() {
        if (saved == null) {
            freed = true;
            return;
        }
        synchronized (this) {
            if (freed) return;
            freed = true;
        }
        for (Tensor t : saved) t.close();
    }

    boolean isFreed() {
        return freed;
    }

    /** Drops one reference; the last one frees the saved tensors and releases the input nodes. */
    void releaseRef() {
        if (refs.decrementAndGet() != 0) return;
        ArrayDeque<Node> work = new ArrayDeque<>();
        work.push(this);
        while (!work.isEmpty()) {
            Node n = work.pop();
            n.freeSaved();
            for (Node m : n.next) {
                if (m != null && !m.isAccumulator() && m.refs.decrementAndGet() == 0) work.push(m);
            }
        }
    }
}
