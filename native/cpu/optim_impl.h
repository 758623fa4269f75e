// Optimizer updates over contiguous parameters: the rule functors of ops/optim.h in one parallel
// pass over param, grad and state. Compiled once per instruction set with the elementwise loops
// (elementwise_*.cpp; dispatch.cpp picks one): the rules' square roots and divisions are
// throughput-bound, and IEEE-exact in every instruction set, so all give the same bits.
// Included only by elementwise_<isa>.cpp.
#include <algorithm>
#include <type_traits>

#include "core/update_dispatch.h"
#include "parallel.h"

namespace jg {
namespace cpu {
namespace JG_ISA_NS {

int update_impl(int rule, int dtype, int64_t n, int64_t param, int64_t grad, const int64_t* state, int nstate, const double* hyper, int nhyper) {
    return dispatch_update(rule, dtype, n, hyper, nhyper, state, nstate, [&](const auto& f, auto tag, const int64_t* st) -> int {
        using T = decltype(tag);
        using F = std::decay_t<decltype(f)>;
        T* p = reinterpret_cast<T*>(param);
        const T* g = reinterpret_cast<const T*>(grad);
        T* s[3];
        for (int k = 0; k < 3; ++k) s[k] = reinterpret_cast<T*>(st[k]);
        const int used = f.used();
        // The variant is picked once per call, so each loop is straight-line code that vectorises;
        // a state the rule does not keep is a scratch block, fresh for each block of elements.
        parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) {
            constexpr int64_t kBlock = 256;
            T scratch[3][kBlock];
            ops::with_variant<F::kVariants>(f.variant, [&](auto v) {
                constexpr int V = decltype(v)::value;
                for (int64_t i0 = lo; i0 < hi; i0 += kBlock) {
                    const int64_t len = std::min(kBlock, hi - i0);
                    T* a = (used & 1) ? s[0] + i0 : scratch[0];
                    T* b = (used & 2) ? s[1] + i0 : scratch[1];
                    T* c = (used & 4) ? s[2] + i0 : scratch[2];
                    T* pp = p + i0;
                    const T* gg = g + i0;
                    for (int64_t i = 0; i < len; ++i) f.template step<V>(pp[i], gg[i], a[i], b[i], c[i]);
                }
            });
        });
        return JG_OK;
    });
}

}  // namespace JG_ISA_NS
}  // namespace cpu
}  // namespace jg
