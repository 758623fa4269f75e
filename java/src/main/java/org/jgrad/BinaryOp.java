package org.jgrad;

import org.jgrad.internal.bind.JgradNative;

/**
 * Binary elementwise ops with their gradients; broadcasting is undone once, in
 * {@link Ops#sumToShape}, for every op. The *_BACKWARD entries are fused gradient kernels of
 * unary ops and are not recorded themselves.
 */
enum BinaryOp {
    ADD(JgradNative.JG_ADD, "add", "AddBackward0") {
        Tensor gradA(Tensor a, Tensor b, Tensor y, Tensor g) { return g; }
        Tensor gradB(Tensor a, Tensor b, Tensor y, Tensor g) { return g; }
    },
    SUB(JgradNative.JG_SUB, "sub", "SubBackward0") {
        Tensor gradA(Tensor a, Tensor b, Tensor y, Tensor g) { return g; }
        Tensor gradB(Tensor a, Tensor b, Tensor y, Tensor g) { return g.neg(); }
    },
    MUL(JgradNative.JG_MUL, "mul", "MulBackward0") {
        Tensor gradA(Tensor a, Tensor b, Tensor y, Tensor g) { return g.mul(b); }
        Tensor gradB(Tensor a, Tensor b, Tensor y, Tensor g) { return g.mul(a); }
    },
    DIV(JgradNative.JG_DIV, "div", "DivBackward0") {
        Tensor gradA(Tensor a, Tensor b, Tensor y, Tensor g) { return g.div(b); }
        // -g * a / b^2, in PyTorch's order
        Tensor gradB(Tensor a, Tensor b, Tensor y, Tensor g) { return g.neg().mul(a).div(b.mul(b)); }
    },
    POW(JgradNative.JG_POW, "pow", "PowBackward1") {
        // g * b * a^(b-1), 0 where b == 0
        Tensor gradA(Tensor a, Tensor b, Tensor y, Tensor g) {
            Tensor d = g.mul(b.mul(a.pow(b.sub(1.0))));
            return Tensor.where(b.eq(0.0), Tensor.zerosLike(d), d);
        }
        // g * a^b * log(a), 0 where a == 0 and b >= 0
        Tensor gradB(Tensor a, Tensor b, Tensor y, Tensor g) {
            Tensor d = g.mul(y.mul(a.log()));
            Tensor mask = a.eq(0.0).mul(b.ge(0.0).to(DType.INT64)).to(DType.BOOL);
            return Tensor.where(mask, Tensor.zerosLike(d), d);
        }
    },
    // PyTorch's rule: the gradient goes to the larger (smaller) input, half to each on a tie
    MAXIMUM(JgradNative.JG_MAXIMUM, "maximum", "MaximumBackward0") {
        Tensor gradA(Tensor a, Tensor b, Tensor y, Tensor g) { return tieSplit(a, b, g, a.lt(b)); }
        Tensor gradB(Tensor a, Tensor b, Tensor y, Tensor g) { return tieSplit(a, b, g, a.gt(b)); }
    },
    MINIMUM(JgradNative.JG_MINIMUM, "minimum", "MinimumBackward0") {
        Tensor gradA(Tensor a, Tensor b, Tensor y, Tensor g) { return tieSplit(a, b, g, a.gt(b)); }
        Tensor gradB(Tensor a, Tensor b, Tensor y, Tensor g) { return tieSplit(a, b, g, a.lt(b)); }
    },
    EQ(JgradNative.JG_EQ, "eq", null),
    NE(JgradNative.JG_NE, "ne", null),
    GT(JgradNative.JG_GT, "gt", null),
    GE(JgradNative.JG_GE, "ge", null),
    LT(JgradNative.JG_LT, "lt", null),
    LE(JgradNative.JG_LE, "le", null),
    SIGMOID_BACKWARD(JgradNative.JG_SIGMOID_BACKWARD, "sigmoid_backward", null),
    TANH_BACKWARD(JgradNative.JG_TANH_BACKWARD, "tanh_backward", null),
    RELU_BACKWARD(JgradNative.JG_RELU_BACKWARD, "relu_backward", null),
    LEAKY_RELU_BACKWARD(JgradNative.JG_LEAKY_RELU_BACKWARD, "leaky_relu_backward", null),
    CLAMP_BACKWARD(JgradNative.JG_CLAMP_BACKWARD, "clamp_backward", null),
    GELU_BACKWARD(JgradNative.JG_GELU_BACKWARD, "gelu_backward", null),
    SILU_BACKWARD(JgradNative.JG_SILU_BACKWARD, "silu_backward", null),
    SOFTPLUS_BACKWARD(JgradNative.JG_SOFTPLUS_BACKWARD, "softplus_backward", null);

    /** g where the input won, g/2 on a tie, 0 where it lost. */
    static Tensor tieSplit(Tensor a, Tensor b, Tensor g, Tensor lost) {
        Tensor shared = Tensor.where(a.eq(b), g.mul(0.5), g);
        return Tensor.where(lost, Tensor.zerosLike(shared), shared);
    }

    final int code;
    final String opName;
    final String backwardName;
    /** Defined on INT64 too, as the native op table says. */
    final boolean integral;

    BinaryOp(int code, String opName, String backwardName) {
        this.code = code;
        this.opName = opName;
        this.backwardName = backwardName;
        this.integral = Kernels.supports(JgradNative.JG_FAMILY_BINARY, code, DType.INT64);
    }

    Tensor gradA(Tensor a, Tensor b, Tensor y, Tensor g) {
        throw new UnsupportedOperationException(opName + " is not differentiable");
    }

    Tensor gradB(Tensor a, Tensor b, Tensor y, Tensor g) {
        throw new UnsupportedOperationException(opName + " is not differentiable");
    }
}
