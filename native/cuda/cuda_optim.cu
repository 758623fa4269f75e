// Optimizer updates on CUDA: the rule functors of ops/optim.h, a thread per element (grid-stride).
#include "core/update_dispatch.h"
#include "cuda_common.cuh"

namespace jg {
namespace cuda {
namespace {

template <class F, class T = typename F::Value>
__global__ void update_kernel(int64_t n, F f, int used, T* p, const T* g, T* a, T* b, T* c) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(blockDim.x) * gridDim.x) {
        T unused0 = T(0), unused1 = T(0), unused2 = T(0);
        f(p[i], g[i], (used & 1) ? a[i] : unused0, (used & 2) ? b[i] : unused1, (used & 4) ? c[i] : unused2);
    }
}

}  // namespace

int update(int device, int rule, int dtype, int64_t n, int64_t param, int64_t grad, const int64_t* state, int nstate, const double* hyper,
           int nhyper) {
    int st = use_device("update", device);
    if (st != JG_OK) return st;
    return dispatch_update(rule, dtype, n, hyper, nhyper, state, nstate, [&](const auto& f, auto tag, const int64_t* s) -> int {
        using T = decltype(tag);
        using F = std::decay_t<decltype(f)>;
        if (n == 0) return JG_OK;
        JG_LAUNCH(update_kernel<F>, grid_for(n), kBlock)(n, f, f.used(), reinterpret_cast<T*>(param), reinterpret_cast<const T*>(grad),
                                                         reinterpret_cast<T*>(s[0]), reinterpret_cast<T*>(s[1]), reinterpret_cast<T*>(s[2]));
        return check_launch("update");
    });
}

}  // namespace cuda
}  // namespace jg
