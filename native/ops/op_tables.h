// Which functor implements which op code, once, for every backend's dispatch (X-macros:
// X(op code, functor)). Adding an elementwise op = a functor in elementwise.h, an enum value in
// jgrad.h and a line here.
#pragma once
#include "jgrad/jgrad.h"

// unary ops defined for int64 as well as floating types
#define JG_UNARY_INTEGRAL_OPS(X) \
    X(JG_NEG, Neg) X(JG_ABS, Abs) X(JG_SIGN, Sign) X(JG_ADD_SCALAR, AddScalar) X(JG_MUL_SCALAR, MulScalar) \
    X(JG_RSUB_SCALAR, RsubScalar) X(JG_RELU, Relu) X(JG_CLAMP, Clamp)

// unary ops defined for floating types only
#define JG_UNARY_FLOAT_OPS(X) \
    X(JG_DIV_SCALAR, DivScalar) X(JG_RDIV_SCALAR, RdivScalar) \
    X(JG_POW_SCALAR, PowScalar) X(JG_EXP, Exp) X(JG_LOG, Log) \
    X(JG_SQRT, Sqrt) X(JG_SIN, Sin) X(JG_COS, Cos) X(JG_SIGMOID, Sigmoid) \
    X(JG_TANH, Tanh) X(JG_LEAKY_RELU, LeakyRelu) X(JG_GELU, Gelu) X(JG_SILU, Silu) X(JG_SOFTPLUS, Softplus) \
    X(JG_ERF, Erf) X(JG_LOG1P, Log1p) X(JG_EXPM1, Expm1)

#define JG_BINARY_INTEGRAL_OPS(X) \
    X(JG_ADD, Add) X(JG_SUB, Sub) X(JG_MUL, Mul) X(JG_MAXIMUM, Maximum) X(JG_MINIMUM, Minimum)

#define JG_BINARY_FLOAT_OPS(X) \
    X(JG_DIV, Div) X(JG_POW, Pow) X(JG_SIGMOID_BACKWARD, SigmoidBackward) X(JG_TANH_BACKWARD, TanhBackward) \
    X(JG_RELU_BACKWARD, ReluBackward) X(JG_LEAKY_RELU_BACKWARD, LeakyReluBackward) X(JG_CLAMP_BACKWARD, ClampBackward) \
    X(JG_GELU_BACKWARD, GeluBackward) X(JG_SILU_BACKWARD, SiluBackward) X(JG_SOFTPLUS_BACKWARD, SoftplusBackward)

// comparisons: write JG_BOOL
#define JG_COMPARE_OPS(X) X(JG_EQ, Eq) X(JG_NE, Ne) X(JG_GT, Gt) X(JG_GE, Ge) X(JG_LT, Lt) X(JG_LE, Le)
