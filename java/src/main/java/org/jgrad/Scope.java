package org.jgrad;

import java.util.ArrayList;

/**
 * Deterministic release of native memory: every tensor created on this thread while the scope is
 * open is closed when it closes, except those passed to {@link #keep}. Scopes nest; a kept tensor
 * moves to the enclosing scope, if any.
 *
 * <pre>{@code
 * Tensor loss;
 * try (Scope scope = Scope.open()) {
 *     loss = scope.keep(model(x).sub(y).pow(2).mean());
 * } // every intermediate is freed here
 * }</pre>
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();

    private final Scope parent;
    private final Thread thread;
    private final ArrayList<Tensor> tensors = new ArrayList<>();
    private boolean closed;

    private Scope(Scope parent) {
        this.parent = parent;
        this.thread = Thread.currentThread();
    }

    /** Opens a scope on the current thread. */
    public static Scope open() {
        Scope s = new Scope(CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    static Scope current() {
        return CURRENT.get();
    }

    void track(Tensor t) {
        tensors.add(t);
        t.owner = this;
    }

    /** Keeps {@code t} alive past this scope (it moves to the enclosing scope) and returns it. */
    public Tensor keep(Tensor t) {
        if (t.owner == this) {
            t.owner = null;
            if (parent != null && !parent.closed) parent.track(t);
        }
        return t;
    }

    /** Keeps several tensors; see {@link #keep(Tensor)}. */
    public void keep(Tensor... ts) {
        for (Tensor t : ts) keep(t);
    }

    /**
     * Removes {@code t} from whichever scope owns it, so no scope will close it; the caller now
     * owns it (an optimizer's state, a cache). Returns {@code t}.
     */
    public static Tensor untrack(Tensor t) {
        t.owner = null;
        return t;
    }

    /**
     * Hands {@code t}, if no scope owns it (made on another thread, or untracked), to the scope open
     * on this thread, which then closes it like the tensors made in it; with no scope open, the
     * caller keeps owning it. Returns {@code t}. A DataLoader gives its batches this way.
     */
    public static Tensor adopt(Tensor t) {
        Scope s = CURRENT.get();
        if (t.owner == null && s != null && !s.closed) s.track(t);
        return t;
    }

    /** Closes every tensor created in this scope and not kept. */
    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("Scope.close: a scope must be closed on the thread that opened it (" + thread.getName() + ")");
        }
        closed = true;
        if (CURRENT.get() == this) {
            CURRENT.set(parent);
        } else {
            // closed out of order: unlink it from the chain of open scopes
            Scope s = CURRENT.get();
            while (s != null && s.parent != this) s = s.parent;
            if (s != null) throw new IllegalStateException("Scope.close: an inner scope is still open; close scopes in reverse order of opening");
        }
        for (int i = tensors.size() - 1; i >= 0; i--) {
            Tensor t = tensors.get(i);
            if (t.owner == this) {
                t.owner = null;
                t.close();
            }
        }
        tensors.clear();
    }
}
