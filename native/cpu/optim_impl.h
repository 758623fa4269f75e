// Optimizer updates over contiguous parameters: the rule functors of ops/optim.h in one parallel
// pass over param, grad and state. Compiled once per instruction set with the elementwise loops
// (elementwise_*.cpp; dispatch.cpp picks one): the rules' square roots and divisions are
// throughput-bound, and IEEE-exact in every instruction set, so all give the same bits.
// float64 parameters are rare in training: their loops are compiled in the baseline variant only,
// which the wider ones call for them (the library stays smaller; the bits are the same).
// Included only by elementwise_<isa>.cpp.
#include <algorithm>
#include <type_traits>

#include "core/update_dispatch.h"
#include "parallel.h"

namespace jg {
namespace cpu {
#if defined(JG_ISA_WIDE)
namespace isa_default {
int update_impl(int, int, int64_t, int64_t, int64_t, const int64_t*, int, const double*, int);
}
#endif
namespace JG_ISA_NS {

namespace {
// One block of a rule's loop for one variant. The buffers are distinct (the optimizer's own, or
// scratch), as the restrict parameters tell the compiler, so the loop vectorises with no run-time
// overlap checks.
template <int V, class F, class T>
void update_block(const F& f, int64_t len, T* __restrict p, const T* __restrict g, T* __restrict a, T* __restrict b, T* __restrict c) {
    for (int64_t i = 0; i < len; ++i) f.template step<V>(p[i], g[i], a[i], b[i], c[i]);
}
}  // namespace

int update_impl(int rule, int dtype, int64_t n, int64_t param, int64_t grad, const int64_t* state, int nstate, const double* hyper, int nhyper) {
    return dispatch_update(rule, dtype, n, hyper, nhyper, state, nstate, [&](const auto& f, auto tag, const int64_t* st) -> int {
        using T = decltype(tag);
        using F = std::decay_t<decltype(f)>;
#if defined(JG_ISA_WIDE)
        if constexpr (std::is_same<T, double>::value) {
            return isa_default::update_impl(rule, dtype, n, param, grad, state, nstate, hyper, nhyper);
        } else
#endif
        {
            T* p = reinterpret_cast<T*>(param);
            const T* g = reinterpret_cast<const T*>(grad);
            T* s[3];
            for (int k = 0; k < 3; ++k) s[k] = reinterpret_cast<T*>(st[k]);
            const int used = f.used();
            // The variant is picked once per call, so each loop is straight-line code that vectorises;
            // a state the rule does not keep is a scratch block, reused for each block of elements.
            parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) {
                constexpr int64_t kBlock = 256;
                T scratch[3][kBlock];
                ops::with_variant<F::kVariants>(f.variant, [&](auto v) {
                    constexpr int V = decltype(v)::value;
                    for (int64_t i0 = lo; i0 < hi; i0 += kBlock) {
                        const int64_t len = std::min(kBlock, hi - i0);
                        update_block<V>(f, len, p + i0, g + i0, (used & 1) ? s[0] + i0 : scratch[0], (used & 2) ? s[1] + i0 : scratch[1],
                                        (used & 4) ? s[2] + i0 : scratch[2]);
                    }
                });
            });
            return JG_OK;
        }
    });
}

}  // namespace JG_ISA_NS
}  // namespace cpu
}  // namespace jg
