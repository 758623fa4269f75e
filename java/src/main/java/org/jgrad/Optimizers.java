package org.jgrad;

import java.util.List;
import org.jgrad.internal.NativeLib;
import org.jgrad.internal.bind.JgradNative;

/**
 * The building blocks of the optimizers in org.jgrad.optim (like torch.optim's functional API),
 * public so that other optimizers can use them too: the fused native update rules (one pass over a
 * parameter, its gradient and its state; native/ops/optim.h), parameter checks, and state buffers
 * that no Scope closes. {@code Tensor m = Optimizers.state(p, 0.0);}
 */
public final class Optimizers {
    private Optimizers() {}

    /** Rule codes of {@link #update}: torch.optim's algorithms, in native/ops/optim.h. */
    public static final int SGD = JgradNative.JG_UPDATE_SGD;
    /** Adam and AdamW (torch.optim.Adam, AdamW). */
    public static final int ADAM = JgradNative.JG_UPDATE_ADAM;
    /** RMSprop (torch.optim.RMSprop). */
    public static final int RMSPROP = JgradNative.JG_UPDATE_RMSPROP;
    /** Adagrad (torch.optim.Adagrad). */
    public static final int ADAGRAD = JgradNative.JG_UPDATE_ADAGRAD;

    /** A copy of the list, checked: tensors that are open, floating point leaves requiring grad. */
    public static List<Tensor> checkParameters(String optimizer, List<Tensor> params) {
        List<Tensor> ps = List.copyOf(params);
        if (ps.isEmpty()) throw new IllegalArgumentException(optimizer + ": got an empty parameter list");
        for (int i = 0; i < ps.size(); i++) {
            Tensor p = ps.get(i);
            p.checkOpen();
            if (!p.dtype.isFloatingPoint() || !p.requiresGrad || !p.isLeaf()) {
                throw new IllegalArgumentException(optimizer + ": parameter " + i + " (shape " + Shapes.str(p.shape) + ", " + p.dtype
                        + ") must be a FLOAT32 or FLOAT64 leaf tensor that requires grad");
            }
        }
        return ps;
    }

    /** A state buffer like p (dense, same dtype and device) filled with value, owned by the caller, not by any Scope. */
    public static Tensor state(Tensor p, double value) {
        return Scope.untrack(Tensor.full(value, p.dtype, p.device, p.shape));
    }

    /**
     * One update of p in place by the rule, from g, with the rule's state buffers (up to three;
     * null where the rule, as configured, keeps none) and its hyperparameters in the order
     * native/ops/optim.h gives. Allocates no tensor unless g is not dense.
     */
    public static void update(String optimizer, int rule, Tensor p, Tensor g, Tensor[] states, double[] hyper) {
        p.checkOpen();
        g.checkOpen();
        if (!java.util.Arrays.equals(p.shape, g.shape) || p.dtype != g.dtype || !p.device.equals(g.device)) {
            throw new IllegalArgumentException(optimizer + ": the gradient (shape " + Shapes.str(g.shape) + ", " + g.dtype + ", " + g.device
                    + ") does not match its parameter (shape " + Shapes.str(p.shape) + ", " + p.dtype + ", " + p.device + ")");
        }
        if (!p.contiguous) {
            throw new IllegalArgumentException(optimizer + ": parameter of shape " + Shapes.str(p.shape) + " with strides "
                    + Shapes.str(p.strides) + " is not contiguous; optimizers update dense parameters");
        }
        long[] addresses = new long[states.length];
        Tensor gc = g.contiguous ? g : Autograd.withoutGrad(() -> Kernels.contiguousCopy(g, g.dtype));
        try {
            int st;
            Kernels.pin(states);
            try {
                Kernels.pin(p, gc);
                try {
                    for (int i = 0; i < states.length; i++) addresses[i] = states[i] == null ? 0 : states[i].address();
                    st = JgradNative.jg_update(p.device.index(), rule, p.dtype.code, p.numel, p.address(), gc.address(), addresses,
                            states.length, hyper, hyper.length);
                } finally {
                    Kernels.unpin(p, gc);
                }
            } finally {
                Kernels.unpin(states);
            }
            if (st != JgradNative.JG_OK) NativeLib.check(st, optimizer + ".step");
        } finally {
            if (gc != g) gc.close();
        }
        p.storage.bumpVersion();
        for (Tensor t : states) if (t != null) t.storage.bumpVersion();
    }
}
