// Optimizer update rules: what one step does to one element of a parameter, its gradient and the
// state the rule keeps, written once for the CPU loop and the CUDA kernel (as elementwise.h is for
// the elementwise ops). Each rule reads its hyperparameters from a double array in the order its
// comment gives, rounded once to the parameter's dtype; the arithmetic is the parameter's dtype,
// in PyTorch's order of operations (torch.optim's single-tensor code paths).
#pragma once
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

// torch.optim.SGD. hyper: lr, momentum, dampening, weight_decay, nesterov, maximize, first (1 on
// the first step with momentum: the buffer starts as the gradient). State: the momentum buffer.
template <class T> struct SgdUpdate {
    using Value = T;
    static constexpr int kHyper = 7;
    static constexpr int kVariants = 32;
    enum : int { kMaximize = 1, kDecay = 2, kMomentum = 4, kFirst = 8, kNesterov = 16 };
    T lr, momentum, dampening, weight_decay;
    int variant;
    JG_HD explicit SgdUpdate(const double* h)
        : lr(static_cast<T>(h[0])), momentum(static_cast<T>(h[1])), dampening(static_cast<T>(h[2])), weight_decay(static_cast<T>(h[3])),
          variant((h[5] != 0 ? kMaximize : 0) | (weight_decay != T(0) ? kDecay : 0) | (momentum != T(0) ? kMomentum : 0) |
                  (h[6] != 0 ? kFirst : 0) | (h[4] != 0 ? kNesterov : 0)) {}
    // states the rule reads and writes
    JG_HD int states() const { return (variant & kMomentum) ? 1 : 0; }
    template <int V> JG_HD void step(T& p, T g, T& buf, T&) const {
        if (V & kMaximize) g = -g;
        if (V & kDecay) g = g + weight_decay * p;
        if (V & kMomentum) {
            buf = (V & kFirst) ? g : momentum * buf + (T(1) - dampening) * g;
            g = (V & kNesterov) ? g + momentum * buf : buf;
        }
        p = p - lr * g;
    }
    JG_HD void operator()(T& p, T g, T& s0, T& s1) const { with_variant<kVariants>(variant, [&](auto v) { step<decltype(v)::value>(p, g, s0, s1); }); }
};

}  // namespace ops
}  // namespace jg

// X(rule code, functor), as op_tables.h does for the elementwise ops
#define JG_UPDATE_RULES(X) X(JG_UPDATE_SGD, SgdUpdate)
