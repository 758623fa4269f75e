// The math of each elementwise op, written once. The CPU loops (native/cpu) and the CUDA kernels
// instantiate these functors; nothing here knows about memory layout or threads.
#pragma once
#include <cmath>
#include <cstdint>

#include "hd.h"

namespace jg {
namespace ops {

template <class T> JG_HD bool is_nan(T x) { return x != x; }

// ---- unary: y = f(x; a, b) ---------------------------------------------------------------
template <class T> struct Neg { T a, b; JG_HD T operator()(T x) const { return -x; } };
template <class T> struct Abs { T a, b; JG_HD T operator()(T x) const { return x < T(0) ? -x : x; } };
template <class T> struct Sign {
    T a, b;
    JG_HD T operator()(T x) const { return x > T(0) ? T(1) : (x < T(0) ? T(-1) : (is_nan(x) ? x : T(0))); }
};
template <class T> struct AddScalar { T a, b; JG_HD T operator()(T x) const { return x + a; } };
template <class T> struct MulScalar { T a, b; JG_HD T operator()(T x) const { return x * a; } };
template <class T> struct RsubScalar { T a, b; JG_HD T operator()(T x) const { return a - x; } };
// floating point only from here
template <class T> struct DivScalar { T a, b; JG_HD T operator()(T x) const { return x / a; } };
template <class T> struct RdivScalar { T a, b; JG_HD T operator()(T x) const { return a / x; } };
template <class T> struct PowScalar {
    T a, b;
    JG_HD T operator()(T x) const {
        if (a == T(2)) return x * x;  // exact, like PyTorch's special case
        if (a == T(1)) return x;
        return std::pow(x, a);
    }
};
template <class T> struct Exp { T a, b; JG_HD T operator()(T x) const { return std::exp(x); } };
template <class T> struct Log { T a, b; JG_HD T operator()(T x) const { return std::log(x); } };
template <class T> struct Sqrt { T a, b; JG_HD T operator()(T x) const { return std::sqrt(x); } };
template <class T> struct Sin { T a, b; JG_HD T operator()(T x) const { return std::sin(x); } };
template <class T> struct Cos { T a, b; JG_HD T operator()(T x) const { return std::cos(x); } };
template <class T> struct Sigmoid { T a, b; JG_HD T operator()(T x) const { return T(1) / (T(1) + std::exp(-x)); } };
template <class T> struct Tanh { T a, b; JG_HD T operator()(T x) const { return std::tanh(x); } };
template <class T> struct Relu { T a, b; JG_HD T operator()(T x) const { return x > T(0) ? x : (is_nan(x) ? x : T(0)); } };
template <class T> struct LeakyRelu { T a, b; JG_HD T operator()(T x) const { return x > T(0) ? x : x * a; } };
template <class T> struct Clamp {
    T a, b;  // [a, b]; NaN passes through
    JG_HD T operator()(T x) const { return is_nan(x) ? x : (x < a ? a : (x > b ? b : x)); }
};

// ---- binary: y = f(x, z; a, b) -------------------------------------------------------------
template <class T> struct Add { T a, b; JG_HD T operator()(T x, T z) const { return x + z; } };
template <class T> struct Sub { T a, b; JG_HD T operator()(T x, T z) const { return x - z; } };
template <class T> struct Mul { T a, b; JG_HD T operator()(T x, T z) const { return x * z; } };
template <class T> struct Div { T a, b; JG_HD T operator()(T x, T z) const { return x / z; } };
template <class T> struct Pow { T a, b; JG_HD T operator()(T x, T z) const { return std::pow(x, z); } };
template <class T> struct SigmoidBackward { T a, b; JG_HD T operator()(T g, T y) const { return g * (T(1) - y) * y; } };
template <class T> struct TanhBackward { T a, b; JG_HD T operator()(T g, T y) const { return g * (T(1) - y * y); } };
template <class T> struct ReluBackward { T a, b; JG_HD T operator()(T g, T y) const { return y > T(0) ? g : T(0); } };
template <class T> struct LeakyReluBackward { T a, b; JG_HD T operator()(T g, T x) const { return x > T(0) ? g : g * a; } };
template <class T> struct ClampBackward {
    T a, b;
    JG_HD T operator()(T g, T x) const { return (x >= a && x <= b) ? g : T(0); }
};

// comparisons: bool result
template <class T> struct Eq { JG_HD bool operator()(T x, T z) const { return x == z; } };
template <class T> struct Ne { JG_HD bool operator()(T x, T z) const { return x != z; } };
template <class T> struct Gt { JG_HD bool operator()(T x, T z) const { return x > z; } };
template <class T> struct Ge { JG_HD bool operator()(T x, T z) const { return x >= z; } };
template <class T> struct Lt { JG_HD bool operator()(T x, T z) const { return x < z; } };
template <class T> struct Le { JG_HD bool operator()(T x, T z) const { return x <= z; } };

}  // namespace ops
}  // namespace jg

#include "fastmath.h"

namespace jg {
namespace ops {
// float32 versions that vectorise (see fastmath.h); float64 keeps libm.
template <> struct Exp<float> { float a, b; JG_HD float operator()(float x) const { return exp_f32(x); } };
template <> struct Sigmoid<float> { float a, b; JG_HD float operator()(float x) const { return 1.0f / (1.0f + exp_f32_ftz(-x)); } };
template <> struct Tanh<float> { float a, b; JG_HD float operator()(float x) const { return tanh_f32(x); } };
}  // namespace ops
}  // namespace jg
