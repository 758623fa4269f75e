// Optimizer updates on CUDA: the rule functors of ops/optim.h, a thread per element (grid-stride).
#include "core/update_dispatch.h"
#include "cuda_common.cuh"

namespace jg {
namespace cuda {
namespace {

template <class F, class T = typename F::Value> __global__ void update_kernel(int64_t n, F f, int states, T* p, const T* g, T* a, T* b) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(blockDim.x) * gridDim.x) {
        T unused0 = T(0), unused1 = T(0);
        f(p[i], g[i], states > 0 ? a[i] : unused0, states > 1 ? b[i] : unused1);
    }
}

}  // namespace

int update(int device, int rule, int dtype, int64_t n, int64_t param, int64_t grad, int64_t state0, int64_t state1, const double* hyper,
           int nhyper) {
    int st = use_device("update", device);
    if (st != JG_OK) return st;
    return dispatch_update(rule, dtype, n, hyper, nhyper, state0, state1, [&](const auto& f, auto tag) -> int {
        using T = decltype(tag);
        using F = std::decay_t<decltype(f)>;
        if (n == 0) return JG_OK;
        JG_LAUNCH(update_kernel<F>, grid_for(n), kBlock)(n, f, f.states(), reinterpret_cast<T*>(param), reinterpret_cast<const T*>(grad),
                                                             reinterpret_cast<T*>(state0), reinterpret_cast<T*>(state1));
        return check_launch("update");
    });
}

}  // namespace cuda
}  // namespace jg
