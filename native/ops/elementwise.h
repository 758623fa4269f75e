// The math of each elementwise op, written once. The CPU loops (native/cpu) and the CUDA kernels
// instantiate these functors; nothing here knows about memory layout or threads.
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

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

// GELU, as PyTorch computes it (aten/src/ATen/native/cpu/Activation.cpp): a = 0 the exact form,
// a = 1 the tanh approximation.
constexpr double kGeluBeta = 0.7978845608028654;    // sqrt(2 / pi)
constexpr double kGeluKappa = 0.044715;
constexpr double kGeluAlpha = 0.3989422804014327;   // 1 / sqrt(2 pi)
constexpr double kSqrtHalf = 0.7071067811865476;    // 1 / sqrt(2)
template <class T> struct Gelu {
    T a, b;
    JG_HD T operator()(T x) const {
        if (a != T(0)) return T(0.5) * x * (T(1) + std::tanh(T(kGeluBeta) * (x + T(kGeluKappa) * (x * x * x))));
        return x * T(0.5) * (T(1) + std::erf(x * T(kSqrtHalf)));
    }
};
template <class T> struct GeluBackward {
    T a, b;
    JG_HD T operator()(T g, T x) const {
        if (a != T(0)) {
            const T x_sq = x * x;
            const T t = std::tanh(T(kGeluBeta) * (x + T(kGeluKappa) * (x_sq * x)));
            const T left = T(0.5) * x;
            const T left_derivative = T(0.5) * (T(1) + t);
            const T right_derivative = left * (T(1) - t * t) * (T(kGeluBeta) * (T(1) + T(3 * kGeluKappa) * x_sq));
            return g * (left_derivative + right_derivative);
        }
        const T cdf = T(0.5) * (T(1) + std::erf(x * T(kSqrtHalf)));
        const T pdf = T(kGeluAlpha) * std::exp(x * x * T(-0.5));
        return g * (cdf + x * pdf);
    }
};
template <class T> struct Silu { T a, b; JG_HD T operator()(T x) const { return x / (T(1) + std::exp(-x)); } };
template <class T> struct SiluBackward {
    T a, b;
    JG_HD T operator()(T g, T x) const {
        const T s = T(1) / (T(1) + std::exp(-x));
        return g * s * (T(1) + x * (T(1) - s));
    }
};
// a = beta, b = threshold
template <class T> struct Softplus {
    T a, b;
    JG_HD T operator()(T x) const { return x * a > b ? x : std::log1p(std::exp(x * a)) / a; }
};
template <class T> struct SoftplusBackward {
    T a, b;
    JG_HD T operator()(T g, T x) const {
        const T z = std::exp(x * a);
        return x * a > b ? g : g * z / (z + T(1));
    }
};
template <class T> struct Erf { T a, b; JG_HD T operator()(T x) const { return std::erf(x); } };
template <class T> struct Log1p { T a, b; JG_HD T operator()(T x) const { return std::log1p(x); } };
template <class T> struct Expm1 { T a, b; JG_HD T operator()(T x) const { return std::expm1(x); } };
template <class T> struct Maximum {
    T a, b;
    JG_HD T operator()(T x, T z) const { return is_nan(x) ? x : (is_nan(z) ? z : (x > z ? x : z)); }
};
template <class T> struct Minimum {
    T a, b;
    JG_HD T operator()(T x, T z) const { return is_nan(x) ? x : (is_nan(z) ? z : (x < z ? x : z)); }
};

// Element type conversion, the same on every device: a float that is NaN or outside int64's
// range becomes INT64_MIN (what x86's conversion gives, and PyTorch's CPU; a GPU would saturate
// and turn NaN into 0), everything else as C++ converts it.
template <class TO, class TI> struct Convert {
    JG_HD TO operator()(TI v) const {
        if constexpr (std::is_same<TO, int64_t>::value && std::is_floating_point<TI>::value) {
            if (!(v >= TI(-9223372036854775808.0) && v < TI(9223372036854775808.0))) return INT64_MIN;
        }
        return static_cast<TO>(v);
    }
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
