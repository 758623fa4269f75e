// Optimizer updates over contiguous parameters: the rule functors of ops/optim.h in one parallel
// pass over param, grad and state.
#include <type_traits>

#include "core/update_dispatch.h"
#include "parallel.h"

namespace jg {
namespace cpu {

int update(int rule, int dtype, int64_t n, int64_t param, int64_t grad, int64_t state0, int64_t state1, const double* hyper, int nhyper) {
    return dispatch_update(rule, dtype, n, hyper, nhyper, state0, state1, [&](const auto& f, auto tag) -> int {
        using T = decltype(tag);
        T* __restrict p = reinterpret_cast<T*>(param);
        const T* __restrict g = reinterpret_cast<const T*>(grad);
        T* __restrict a = reinterpret_cast<T*>(state0);
        T* __restrict b = reinterpret_cast<T*>(state1);
        const int states = f.states();
        // the variant is picked once per call, so each loop is straight-line code that vectorises
        parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) {
            ops::with_variant<std::decay_t<decltype(f)>::kVariants>(f.variant, [&](auto v) {
                constexpr int V = decltype(v)::value;
                if (states == 0) {
                    for (int64_t i = lo; i < hi; ++i) {
                        T unused0 = T(0), unused1 = T(0);
                        f.template step<V>(p[i], g[i], unused0, unused1);
                    }
                } else if (states == 1) {
                    for (int64_t i = lo; i < hi; ++i) {
                        T unused1 = T(0);
                        f.template step<V>(p[i], g[i], a[i], unused1);
                    }
                } else {
                    for (int64_t i = lo; i < hi; ++i) f.template step<V>(p[i], g[i], a[i], b[i]);
                }
            });
        });
        return JG_OK;
    });
}

}  // namespace cpu
}  // namespace jg
