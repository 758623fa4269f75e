// Optimizer update rules: what one step does to one element of a parameter, its gradient and the
// state the rule keeps, written once for the CPU loop and the CUDA kernel (as elementwise.h is for
// the elementwise ops). Each rule reads its hyperparameters from a double array in the order its
// comment gives, rounded once to the parameter's dtype; the arithmetic is the parameter's dtype,
// in PyTorch's order of operations (torch.optim's single-tensor code paths).
#pragma once
#include <cmath>

#include "hd.h"

namespace jg {
namespace ops {

template <int V> struct Variant {
    static constexpr int value = V;
};

// Calls fn(Variant<v>{}) for a run-time v in 0..N-1.
template <int N, int I = 0, class F> JG_HD void with_variant(int v, F&& fn) {
    if constexpr (I < N) {
        if (v == I) fn(Variant<I>{});
        else with_variant<N, I + 1>(v, fn);
    }
}

// A rule's switches (momentum on, Nesterov, ...) form its variant, an int below kVariants; the
// formula is written once as step<variant>, with the switches as compile-time constants, so the
// CPU loop picks the variant once and its loop vectorises; a GPU kernel calls the rule as a
// function, which picks the variant per element (uniform across threads, so it costs nothing).
// A rule keeps up to three state buffers, s0..s2; used() says which (a bit each) for its variant.
// Maximize is not a switch: the gradient is multiplied by sign, -1 or 1, which is exact and halves
// the number of loops.

// torch.lerp(a, b, w) as PyTorch computes it: from the nearer end, so w = 0 and w = 1 are exact.
template <bool High, class T> JG_HD T lerp(T a, T b, T w) { return High ? b - (b - a) * (T(1) - w) : a + w * (b - a); }

// NaN-propagating maximum (torch.maximum).
template <class T> JG_HD T maximum(T a, T b) { return a != a ? a : (b > a || b != b ? b : a); }

// torch.optim.SGD. hyper: lr, momentum, dampening, weight_decay, nesterov, maximize, first (1 on
// the first step with momentum: the buffer starts as the gradient). s0: the momentum buffer.
template <class T> struct SgdUpdate {
    using Value = T;
    static constexpr int kHyper = 7;
    static constexpr int kVariants = 16;
    enum : int { kDecay = 1, kMomentum = 2, kFirst = 4, kNesterov = 8 };
    T lr, momentum, dampening, weight_decay, sign;
    int variant;
    JG_HD explicit SgdUpdate(const double* h)
        : lr(static_cast<T>(h[0])), momentum(static_cast<T>(h[1])), dampening(static_cast<T>(h[2])), weight_decay(static_cast<T>(h[3])),
          sign(h[5] != 0 ? T(-1) : T(1)), variant((weight_decay != T(0) ? kDecay : 0) | (momentum != T(0) ? kMomentum : 0) |
                  (h[6] != 0 ? kFirst : 0) | (h[4] != 0 ? kNesterov : 0)) {}
    JG_HD int used() const { return (variant & kMomentum) ? 1 : 0; }
    template <int V> JG_HD void step(T& p, T g, T& buf, T&, T&) const {
        g = g * sign;  // maximize: sign is -1, and the product is exact
        if (V & kDecay) g = g + weight_decay * p;
        if (V & kMomentum) {
            buf = (V & kFirst) ? g : momentum * buf + (T(1) - dampening) * g;
            g = (V & kNesterov) ? g + momentum * buf : buf;
        }
        p = p - lr * g;
    }
    JG_HD void operator()(T& p, T g, T& s0, T& s1, T& s2) const {
        with_variant<kVariants>(variant, [&](auto v) { step<decltype(v)::value>(p, g, s0, s1, s2); });
    }
};

// torch.optim.Adam and AdamW. hyper: lr, beta1, beta2, eps, weight_decay, amsgrad, maximize,
// decoupled (1: AdamW, the decay multiplies the parameter), step (1 on the first). s0: exp_avg,
// s1: exp_avg_sq, s2: max_exp_avg_sq (amsgrad). The bias corrections are computed in double from
// the step count and rounded once, as PyTorch does with its Python floats.
template <class T> struct AdamUpdate {
    using Value = T;
    static constexpr int kHyper = 9;
    static constexpr int kVariants = 16;
    enum : int { kDecay = 1, kDecoupled = 2, kAmsgrad = 4, kLerpHigh = 8 };
    T one_minus_beta1, beta2, one_minus_beta2, eps, weight_decay, decay_factor, step_size, bias_correction2_sqrt, sign;
    int variant;
    JG_HD explicit AdamUpdate(const double* h)
        : one_minus_beta1(static_cast<T>(1 - h[1])), beta2(static_cast<T>(h[2])), one_minus_beta2(static_cast<T>(1 - h[2])),
          eps(static_cast<T>(h[3])), weight_decay(static_cast<T>(h[4])), decay_factor(static_cast<T>(1 - h[0] * h[4])),
          step_size(static_cast<T>(h[0] / (1 - pow(h[1], h[8])))), bias_correction2_sqrt(static_cast<T>(sqrt(1 - pow(h[2], h[8])))),
          sign(h[6] != 0 ? T(-1) : T(1)), variant((h[4] != 0 ? (h[7] != 0 ? kDecoupled : kDecay) : 0) | (h[5] != 0 ? kAmsgrad : 0) |
                  (1 - h[1] >= 0.5 ? kLerpHigh : 0)) {}
    JG_HD int used() const { return (variant & kAmsgrad) ? 7 : 3; }
    template <int V> JG_HD void step(T& p, T g, T& m, T& v, T& vmax) const {
        g = g * sign;  // maximize: sign is -1, and the product is exact
        if (V & kDecoupled) p = p * decay_factor;
        if (V & kDecay) g = g + weight_decay * p;
        m = lerp<(V & kLerpHigh) != 0>(m, g, one_minus_beta1);
        v = v * beta2 + one_minus_beta2 * g * g;
        T denom;
        if (V & kAmsgrad) {
            vmax = maximum(vmax, v);
            denom = std::sqrt(vmax) / bias_correction2_sqrt + eps;
        } else {
            denom = std::sqrt(v) / bias_correction2_sqrt + eps;
        }
        p = p + -step_size * (m / denom);
    }
    JG_HD void operator()(T& p, T g, T& s0, T& s1, T& s2) const {
        with_variant<kVariants>(variant, [&](auto v) { step<decltype(v)::value>(p, g, s0, s1, s2); });
    }
};

// torch.optim.RMSprop. hyper: lr, alpha, eps, weight_decay, momentum, centered, maximize.
// s0: square_avg, s1: momentum_buffer (momentum > 0), s2: grad_avg (centered).
template <class T> struct RmspropUpdate {
    using Value = T;
    static constexpr int kHyper = 7;
    static constexpr int kVariants = 16;
    enum : int { kDecay = 1, kMomentum = 2, kCentered = 4, kLerpHigh = 8 };
    T lr, alpha, one_minus_alpha, eps, weight_decay, momentum, sign;
    int variant;
    JG_HD explicit RmspropUpdate(const double* h)
        : lr(static_cast<T>(h[0])), alpha(static_cast<T>(h[1])), one_minus_alpha(static_cast<T>(1 - h[1])), eps(static_cast<T>(h[2])),
          weight_decay(static_cast<T>(h[3])), momentum(static_cast<T>(h[4])), sign(h[6] != 0 ? T(-1) : T(1)),
          variant((h[3] != 0 ? kDecay : 0) | (h[4] > 0 ? kMomentum : 0) | (h[5] != 0 ? kCentered : 0) |
                  (1 - h[1] >= 0.5 ? kLerpHigh : 0)) {}
    JG_HD int used() const { return 1 | ((variant & kMomentum) ? 2 : 0) | ((variant & kCentered) ? 4 : 0); }
    template <int V> JG_HD void step(T& p, T g, T& sq, T& buf, T& ga) const {
        g = g * sign;  // maximize: sign is -1, and the product is exact
        if (V & kDecay) g = g + weight_decay * p;
        sq = sq * alpha + one_minus_alpha * g * g;
        T avg;
        if (V & kCentered) {
            ga = lerp<(V & kLerpHigh) != 0>(ga, g, one_minus_alpha);
            avg = std::sqrt(sq + T(-1) * ga * ga);
        } else {
            avg = std::sqrt(sq);
        }
        avg = avg + eps;
        if (V & kMomentum) {
            buf = buf * momentum + g / avg;
            p = p + -lr * buf;
        } else {
            p = p + -lr * (g / avg);
        }
    }
    JG_HD void operator()(T& p, T g, T& s0, T& s1, T& s2) const {
        with_variant<kVariants>(variant, [&](auto v) { step<decltype(v)::value>(p, g, s0, s1, s2); });
    }
};

// torch.optim.Adagrad. hyper: lr, lr_decay, weight_decay, eps, maximize, step (1 on the first).
// s0: the running sum of squares (PyTorch starts it at initial_accumulator_value).
template <class T> struct AdagradUpdate {
    using Value = T;
    static constexpr int kHyper = 6;
    static constexpr int kVariants = 2;
    enum : int { kDecay = 1 };
    T clr, weight_decay, eps, sign;
    int variant;
    JG_HD explicit AdagradUpdate(const double* h)
        : clr(static_cast<T>(h[0] / (1 + (h[5] - 1) * h[1]))), weight_decay(static_cast<T>(h[2])), eps(static_cast<T>(h[3])),
          sign(h[4] != 0 ? T(-1) : T(1)), variant(h[2] != 0 ? kDecay : 0) {}
    JG_HD int used() const { return 1; }
    template <int V> JG_HD void step(T& p, T g, T& sum, T&, T&) const {
        g = g * sign;  // maximize: sign is -1, and the product is exact
        if (V & kDecay) g = g + weight_decay * p;
        sum = sum + g * g;
        p = p + -clr * (g / (std::sqrt(sum) + eps));
    }
    JG_HD void operator()(T& p, T g, T& s0, T& s1, T& s2) const {
        with_variant<kVariants>(variant, [&](auto v) { step<decltype(v)::value>(p, g, s0, s1, s2); });
    }
};

}  // namespace ops
}  // namespace jg

// X(rule code, functor), as op_tables.h does for the elementwise ops
#define JG_UPDATE_RULES(X) \
    X(JG_UPDATE_SGD, SgdUpdate) X(JG_UPDATE_ADAM, AdamUpdate) X(JG_UPDATE_RMSPROP, RmspropUpdate) X(JG_UPDATE_ADAGRAD, AdagradUpdate)
