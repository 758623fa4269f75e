package org.jgrad;

import java.util.List;
import org.jgrad.internal.NativeLib;
import org.jgrad.internal.bind.JgradNative;

/**
 * The building blocks of the optimizers in org.jgrad.optim (like torch.optim's functional API),
 * public so that other optimizers can use them too: the fused native update rules (one pass over a
 * parameter, its gradient and its state; native/ops/optim.h), parameter checks, and state buffers
 * that no Scope closes.
 */
public final class Optimizers {
    private Optimizers() {}

    /** Rule codes of {@link #update}. */
    public static final int SGD = JgradNative.JG_UPDATE_SGD;

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

    /** A zero state buffer like p (dense, same dtype and device), owned by the caller, not by any Scope. */
    public static Tensor state(Tensor p) {
        return Scope.untrack(Tensor.zeros(p.dtype, p.device, p.shape));
    }

    /**
     * One update of p in place by the rule, from g, with the state buffers the rule keeps (null where
     * none), and its hyperparameters in the order native/ops/optim.h gives.
     */
    public static void update(String optimizer, int rule, Tensor p, Tensor g, Tensor s0, Tensor s1, double[] hyper) {
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
        Tensor gc = g.contiguous ? g : Autograd.withoutGrad(() -> Kernels.contiguousCopy(g, g.dtype));
        try {
            int st = JgradNative.jg_update(p.device.index(), rule, p.dtype.code, p.numel, p.address(), gc.address(),
                    s0 == null ? 0 : s0.address(), s1 == null ? 0 : s1.address(), hyper, hyper.length);
            Kernels.fence(p, gc, s0, s1);
            NativeLib.check(st, optimizer + ".step");
        } finally {
            if (gc != g) gc.close();
        }
        p.storage.bumpVersion();
    }
}
