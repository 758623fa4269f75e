package org.jgrad;

import java.util.ArrayList;
import java.util.List;

/**
 * The intermediates of one step inside an op (views, dense copies), closed together when the step
 * ends, whatever Scope the caller has open: unlike a Scope it holds only what is added to it.
 */
final class Temps implements AutoCloseable {
    private final List<Tensor> list = new ArrayList<>();

    Tensor add(Tensor t) {
        list.add(t);
        return t;
    }

    /** t itself if null or contiguous, else a contiguous copy closed with the rest. */
    Tensor dense(Tensor t) {
        Tensor d = Kernels.dense(t);
        if (d != t) list.add(d);
        return d;
    }

    @Override
    public void close() {
        for (int i = list.size() - 1; i >= 0; i--) list.get(i).close();
    }
}
