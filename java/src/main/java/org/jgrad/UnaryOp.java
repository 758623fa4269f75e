package org.jgrad;

import org.jgrad.internal.bind.JgradNative;

/**
 * Unary elementwise ops, each declared once with its gradient beside it (PyTorch's
 * derivatives.yaml rows as Java). {@code x} is the input, {@code y} the output, {@code g} the
 * incoming gradient, {@code a}/{@code b} the op's scalars. While the graph is recorded (createGraph)
 * gradients are built from differentiable ops; otherwise fused backward kernels are used where
 * one exists.
 */
enum UnaryOp {
    NEG(JgradNative.JG_NEG, "Neg", Saves.NOTHING) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) { return g.neg(); }
    },
    ABS(JgradNative.JG_ABS, "Abs", Saves.INPUT) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) { return g.mul(x.sign()); }
    },
    SIGN(JgradNative.JG_SIGN, "Sign", Saves.NOTHING) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) { return g.mul(0.0); }
    },
    ADD_SCALAR(JgradNative.JG_ADD_SCALAR, "Add", Saves.NOTHING) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) { return g; }
    },
    MUL_SCALAR(JgradNative.JG_MUL_SCALAR, "Mul", Saves.NOTHING) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) { return g.mul(a); }
    },
    RSUB_SCALAR(JgradNative.JG_RSUB_SCALAR, "Rsub", Saves.NOTHING) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) { return g.neg(); }
    },
    DIV_SCALAR(JgradNative.JG_DIV_SCALAR, "Div", Saves.NOTHING) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) { return g.div(a); }
    },
    RDIV_SCALAR(JgradNative.JG_RDIV_SCALAR, "Reciprocal", Saves.BOTH) {
        // d(a/x) = -a/x^2 = -y/x
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) { return g.neg().mul(y).div(x); }
    },
    POW_SCALAR(JgradNative.JG_POW_SCALAR, "Pow", Saves.INPUT) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) {
            if (a == 0) return g.mul(0.0);
            return g.mul(x.pow(a - 1).mul(a));
        }
    },
    EXP(JgradNative.JG_EXP, "Exp", Saves.OUTPUT) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) { return g.mul(y); }
    },
    LOG(JgradNative.JG_LOG, "Log", Saves.INPUT) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) { return g.div(x); }
    },
    SQRT(JgradNative.JG_SQRT, "Sqrt", Saves.OUTPUT) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) { return g.div(y.mul(2.0)); }
    },
    SIN(JgradNative.JG_SIN, "Sin", Saves.INPUT) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) { return g.mul(x.cos()); }
    },
    COS(JgradNative.JG_COS, "Cos", Saves.INPUT) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) { return g.mul(x.sin().neg()); }
    },
    SIGMOID(JgradNative.JG_SIGMOID, "Sigmoid", Saves.OUTPUT) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) {
            if (!GradMode.enabled()) return Ops.fusedBackward(BinaryOp.SIGMOID_BACKWARD, g, y, 0, 0);
            return g.mul(y.rsub(1.0)).mul(y);
        }
    },
    TANH(JgradNative.JG_TANH, "Tanh", Saves.OUTPUT) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) {
            if (!GradMode.enabled()) return Ops.fusedBackward(BinaryOp.TANH_BACKWARD, g, y, 0, 0);
            return g.mul(y.mul(y).rsub(1.0));
        }
    },
    RELU(JgradNative.JG_RELU, "Relu", Saves.OUTPUT) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) {
            if (!GradMode.enabled()) return Ops.fusedBackward(BinaryOp.RELU_BACKWARD, g, y, 0, 0);
            return g.mul(y.gt(0.0).to(g.dtype));
        }
    },
    LEAKY_RELU(JgradNative.JG_LEAKY_RELU, "LeakyRelu", Saves.INPUT) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) {
            if (!GradMode.enabled()) return Ops.fusedBackward(BinaryOp.LEAKY_RELU_BACKWARD, g, x, a, 0);
            return Tensor.where(x.gt(0.0), g, g.mul(a));
        }
    },
    CLAMP(JgradNative.JG_CLAMP, "Clamp", Saves.INPUT) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) {
            if (!GradMode.enabled()) return Ops.fusedBackward(BinaryOp.CLAMP_BACKWARD, g, x, a, b);
            Tensor inside = x.ge(a).mul(x.le(b).to(DType.INT64)).to(g.dtype);
            return g.mul(inside);
        }
    },
    /** a = 0: x·Φ(x); a = 1: the tanh approximation. */
    GELU(JgradNative.JG_GELU, "Gelu", Saves.INPUT) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) {
            if (!GradMode.enabled()) return Ops.fusedBackward(BinaryOp.GELU_BACKWARD, g, x, a, 0);
            if (a != 0) {
                Tensor t = x.add(x.mul(x).mul(x).mul(GELU_KAPPA)).mul(GELU_BETA).tanh();
                Tensor left = t.add(1.0).mul(0.5);
                Tensor right = x.mul(0.5).mul(t.mul(t).rsub(1.0)).mul(x.mul(x).mul(3 * GELU_KAPPA).add(1.0).mul(GELU_BETA));
                return g.mul(left.add(right));
            }
            Tensor cdf = x.mul(SQRT_HALF).erf().add(1.0).mul(0.5);
            Tensor pdf = x.mul(x).mul(-0.5).exp().mul(INV_SQRT_2PI);
            return g.mul(cdf.add(x.mul(pdf)));
        }
    },
    SILU(JgradNative.JG_SILU, "Silu", Saves.INPUT) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) {
            if (!GradMode.enabled()) return Ops.fusedBackward(BinaryOp.SILU_BACKWARD, g, x, 0, 0);
            Tensor s = x.sigmoid();
            return g.mul(s).mul(x.mul(s.rsub(1.0)).add(1.0));
        }
    },
    /** a = beta, b = threshold. */
    SOFTPLUS(JgradNative.JG_SOFTPLUS, "Softplus", Saves.INPUT) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) {
            if (!GradMode.enabled()) return Ops.fusedBackward(BinaryOp.SOFTPLUS_BACKWARD, g, x, a, b);
            Tensor xb = x.mul(a);
            return Tensor.where(xb.gt(b), g, g.mul(xb.sigmoid()));
        }
    },
    ERF(JgradNative.JG_ERF, "Erf", Saves.INPUT) {
        // 2/sqrt(pi) · exp(-x²)
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) { return g.mul(x.mul(x).neg().exp().mul(TWO_OVER_SQRT_PI)); }
    },
    LOG1P(JgradNative.JG_LOG1P, "Log1p", Saves.INPUT) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) { return g.div(x.add(1.0)); }
    },
    EXPM1(JgradNative.JG_EXPM1, "Expm1", Saves.OUTPUT) {
        Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b) { return g.mul(y.add(1.0)); }
    };

    static final double GELU_BETA = 0.7978845608028654;      // sqrt(2 / pi)
    static final double GELU_KAPPA = 0.044715;
    static final double SQRT_HALF = 0.7071067811865476;
    static final double INV_SQRT_2PI = 0.3989422804014327;
    static final double TWO_OVER_SQRT_PI = 1.1283791670955126;

    enum Saves { NOTHING, INPUT, OUTPUT, BOTH }

    final int code;
    final String backwardName;
    final Saves saves;
    /** Defined on INT64 too (the others need a floating dtype), as the native op table says. */
    final boolean integral;

    UnaryOp(int code, String name, Saves saves) {
        this.code = code;
        this.backwardName = name + "Backward0";
        this.saves = saves;
        this.integral = Kernels.supports(JgradNative.JG_FAMILY_UNARY, code, DType.INT64);
    }

    String opName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    abstract Tensor grad(Tensor x, Tensor y, Tensor g, double a, double b);
}
